package testutil

import (
	"image"
	"image/png"
	"os"
	"testing"
)

// CheckPNG decodes the PNG at path and checks that it has the given size
// and is a drawing: at least 20 distinct colours and 1% of its pixels not
// white. A plot that came out blank fails t.
func CheckPNG(t testing.TB, path string, size image.Point) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != size {
		t.Errorf("size %v, want %v", got, size)
	}
	colours := map[[4]uint32]bool{}
	nonWhite := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				nonWhite++
			}
		}
	}
	if len(colours) < 20 {
		t.Errorf("only %d distinct colours; the plot looks blank", len(colours))
	}
	if total := b.Dx() * b.Dy(); nonWhite < total/100 {
		t.Errorf("only %d of %d pixels are not white; the plot looks blank", nonWhite, total)
	}
}
