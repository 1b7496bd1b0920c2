package report

import (
	"os/exec"
	"strings"
	"testing"
)

// goListDeps returns the non-standard packages that pkgs depend on,
// themselves included.
func goListDeps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, pkgs...)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.Fields(string(out))
}

// TestLibraryDepsLight checks that the library packages (wire, client,
// echo, book) import no plotting, table, command-line or Prometheus
// package: a program that only sends messages must not carry gonum/plot,
// fonts, LaTeX, PDF, tablewriter, urfave/cli or client_golang (package
// prom reads the library's counters instead).
func TestLibraryDepsLight(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	forbidden := []string{
		"gonum.org/", "codeberg.org/go-fonts", "codeberg.org/go-latex", "codeberg.org/go-pdf",
		"git.sr.ht/~sbinet/gg", "github.com/ajstarks/svgo", "github.com/golang/freetype", "golang.org/x/image",
		"github.com/olekukonko/", "github.com/urfave/cli", "github.com/prometheus/",
		"github.com/gigadex/gigadex/report/plot", "github.com/gigadex/gigadex/report/table",
		"github.com/gigadex/gigadex/report/html", "github.com/chromedp/",
		"github.com/gigadex/gigadex/prom",
	}
	const mod = "github.com/gigadex/gigadex/"
	for _, dep := range goListDeps(t, mod+"wire", mod+"client", mod+"echo", mod+"book") {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("wire, client, echo or book depend on %s", dep)
			}
		}
	}
}

// TestReportDeps checks that package report itself depends only on the
// standard library, hdrhistogram-go, go-humanize and go-moremath (the
// Mann-Whitney U test, pure Go).
func TestReportDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	allowed := []string{"github.com/gigadex/gigadex/report", "github.com/HdrHistogram/hdrhistogram-go", "github.com/dustin/go-humanize", "github.com/aclements/go-moremath"}
	for _, dep := range goListDeps(t, "github.com/gigadex/gigadex/report") {
		ok := false
		for _, a := range allowed {
			ok = ok || dep == a || strings.HasPrefix(dep, a+"/")
		}
		if !ok {
			t.Errorf("report depends on %s", dep)
		}
	}
}
