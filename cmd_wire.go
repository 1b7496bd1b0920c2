package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"unicode"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/wire"
)

func hexFlag(dst *bool) *cli.BoolFlag {
	return boolFlag(dst, "hex", nil, "hex text instead of raw bytes")
}

func newDecodeCommand() *cli.Command {
	var hex bool
	return &cli.Command{
		Name:      "decode",
		Usage:     "read frames from stdin and print one JSON line per message (serde's externally tagged form)",
		UsageText: "gigadex decode [--hex] < capture.bin",
		Flags:     []cli.Flag{hexFlag(&hex)},
		Action: func(c *cli.Context) error {
			in := interruptible(c.Context, c.App.Reader)
			if hex {
				in = newHexReader(in)
			}
			out := bufio.NewWriter(c.App.Writer)
			err := decodeStream(in, out)
			if ferr := out.Flush(); err == nil {
				err = ferr
			}
			if err != nil {
				return inputFail("decode", err)
			}
			return nil
		},
	}
}

// decodeStream prints every frame of in as a JSON line until EOF or the
// first bad frame.
func decodeStream(in io.Reader, out *bufio.Writer) error {
	var d wire.Decoder
	buf := make([]byte, 64<<10)
	line := make([]byte, 0, 160)
	print := func(v wire.View) error {
		line = append(wire.AppendJSON(line[:0], v.Message()), '\n')
		_, err := out.Write(line)
		return err
	}
	for {
		n, rerr := in.Read(buf)
		if err := d.Feed(buf[:n], print); err != nil {
			return err
		}
		if rerr == io.EOF {
			if d.Close() != nil {
				return fmt.Errorf("truncated frame at byte %d: stream ends after %d of its bytes", d.Offset()-int64(d.Buffered()), d.Buffered())
			}
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// hexReader turns hex text (whitespace ignored) into bytes.
type hexReader struct {
	r   *bufio.Reader
	odd int // a pending high nibble, or -1
	off int64
}

func newHexReader(r io.Reader) io.Reader { return &hexReader{r: bufio.NewReader(r), odd: -1} }

func (h *hexReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := h.r.ReadByte()
		if err != nil {
			if err == io.EOF && h.odd >= 0 {
				return n, fmt.Errorf("hex input ends in half a byte")
			}
			return n, err
		}
		h.off++
		if unicode.IsSpace(rune(c)) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return n, fmt.Errorf("hex input: invalid character %q at character %d", c, h.off)
		}
		if h.odd < 0 {
			h.odd = int(v)
			continue
		}
		p[n] = byte(h.odd<<4) | v
		h.odd = -1
		n++
		if h.r.Buffered() == 0 {
			break
		}
	}
	return n, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func newEncodeCommand() *cli.Command {
	var hex bool
	return &cli.Command{
		Name:      "encode",
		Usage:     "read JSON lines (serde's externally tagged form) from stdin and write frames to stdout",
		UsageText: `echo '{"CancelOrder":{"id":99}}' | gigadex encode --hex`,
		Flags:     []cli.Flag{hexFlag(&hex)},
		Action: func(c *cli.Context) error {
			out := bufio.NewWriter(c.App.Writer)
			err := encodeStream(interruptible(c.Context, c.App.Reader), out, hex)
			if ferr := out.Flush(); err == nil {
				err = ferr
			}
			if err != nil {
				return inputFail("encode", err)
			}
			return nil
		},
	}
}

func encodeStream(in io.Reader, out *bufio.Writer, asHex bool) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	frame := make([]byte, 0, wire.FrameLen)
	hexBuf := make([]byte, 0, 2*wire.FrameLen+1)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		m, err := wire.ParseJSON(text)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		frame = wire.AppendFrame(frame[:0], m)
		if asHex {
			hexBuf = append(hex.AppendEncode(hexBuf[:0], frame), '\n')
			_, err = out.Write(hexBuf)
		} else {
			_, err = out.Write(frame)
		}
		if err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("a line is longer than 1 MiB")
		}
		return err
	}
	return nil
}
