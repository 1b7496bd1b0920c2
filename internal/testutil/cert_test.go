package testutil

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
)

func TestWritePEMLoads(t *testing.T) {
	cert, _ := SelfSigned(t)
	certFile, keyFile := WritePEM(t, cert)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(pair.Certificate) != 1 || string(pair.Certificate[0]) != string(cert.Certificate[0]) {
		t.Error("certificate read back differs from the one written")
	}
	ca, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatal("certificate file is not a PEM CA")
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool}); err != nil {
		t.Errorf("certificate does not verify against its own file as CA: %v", err)
	}
	if b, _ := pem.Decode(ca); b == nil || b.Type != "CERTIFICATE" {
		t.Errorf("certificate file block %v, want CERTIFICATE", b)
	}
}
