package report

import (
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// EncodeHistogram returns h in the encoding of the "histogram" fields of a
// [Schema] document: HdrHistogram V2 compressed, base64. A nil h encodes
// as an empty histogram with the package settings.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	return encodeHist(h)
}

// DecodeHistogram decodes a histogram written by [EncodeHistogram] (or by
// HdrHistogram's own encoders, V2 compressed base64).
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("report: decode histogram: %w", err)
	}
	return h, nil
}
