package web

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// A page goes to a browser that accepts gzip compressed, at almost the cost
// of sending it as it is. What differs between two views of the same page
// is only the form token (the page is rendered with formTokenMarker in its
// place), so the page is deflated once, cut at the tokens, and kept:
//
//   - The compressor is flushed before and after each token (a sync flush
//     ends on a byte boundary, so a deflate stream may be cut there), and
//     sees the token as as many NUL bytes as the token is long. Its blocks
//     for those NULs are left out; a view writes its own token in their
//     place as a stored block, of the same length, so every distance the
//     compressor counted back still lands on the same byte.
//   - No back-reference can reach into a token: a match copies bytes equal
//     to the bytes being written, a page never holds a NUL (html/template
//     and the stencil write U+FFFD for one), and so no match can take one.
//     (A page that does hold one is compressed whole, as it is sent.)
//   - The gzip trailer's CRC-32 covers the page with its tokens, computed
//     as the page is written: it has hardware support, about a microsecond
//     for a page.
//   - The compressor never sees a token, so the size of a compressed page
//     says nothing of the token in it: text an attacker gets reflected
//     into a page (a search) cannot be used to guess the form token from
//     the compressed length (BREACH).

// writeGzip writes page, a rendered page holding formTokenMarker, to out
// as a gzip stream with token in each marker's place.
func writeGzip(out io.Writer, page []byte, token string) error {
	z := deflatedPages.of(page, len(token))
	if z == nil {
		return gzipWhole(out, page, token)
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		pageBuffers.Put(buf)
	}()
	buf.Write(gzipHeader)
	crc := uint32(0)
	size := 0
	for i, part := range z.parts {
		if i > 0 {
			stored(buf, token)
			crc = crc32.Update(crc, crc32.IEEETable, []byte(token))
			size += len(token)
		}
		buf.Write(z.blocks[i])
		crc = crc32.Update(crc, crc32.IEEETable, page[part[0]:part[1]])
		size += part[1] - part[0]
	}
	buf.Write(finalBlock)
	var tail [8]byte
	binary.LittleEndian.PutUint32(tail[:4], crc)
	binary.LittleEndian.PutUint32(tail[4:], uint32(size))
	buf.Write(tail[:])
	_, err := out.Write(buf.Bytes())
	return err
}

// gzipWhole compresses the page with its tokens, as it is sent.
func gzipWhole(out io.Writer, page []byte, token string) error {
	w := gzip.NewWriter(out)
	if err := fillFormToken(w, page, token); err != nil {
		return err
	}
	return w.Close()
}

// gzipHeader is a gzip member's header: deflate, no name, no time, OS
// unknown.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// finalBlock is an empty, final stored block: the end of the stream.
var finalBlock = []byte{1, 0, 0, 0xff, 0xff}

// stored writes s as one stored block (s is a form token: far under the
// 65,535 bytes a block holds).
func stored(buf *bytes.Buffer, s string) {
	var head [5]byte // not final, stored; then LEN and its complement
	binary.LittleEndian.PutUint16(head[1:], uint16(len(s)))
	binary.LittleEndian.PutUint16(head[3:], ^uint16(len(s)))
	buf.Write(head[:])
	buf.WriteString(s)
}

// deflatedPage is a page deflated once: parts are the spans of the page
// between its markers, blocks their deflate blocks (not final, each ending
// on a byte boundary), size all the blocks' length.
type deflatedPage struct {
	tokenLen int
	parts    [][2]int
	blocks   [][]byte
	size     int
}

// deflated keeps pages deflated, by their text.
type deflated struct {
	mu   sync.RWMutex
	data map[string]*deflatedPage
	held int // bytes of text and blocks kept
}

var deflatedPages = &deflated{}

// maxDeflated bounds what is kept, text and blocks: when it is reached,
// everything is dropped and deflated again as it is sent.
const maxDeflated = 16 << 20

// flaters deflate at level 5 of klauspost/compress (already in the build:
// fasthttp's compressor): within 2% of the standard library's level 6 in size on
// Crumb's pages, at less than half its cost. A page personal to one
// shopper (checkout, an order) is deflated on every view.
var flaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, 5) // a valid level: never fails
	return w
}}

// of returns page deflated for tokens of tokenLen bytes, or nil for a
// page holding a NUL byte.
func (d *deflated) of(page []byte, tokenLen int) *deflatedPage {
	d.mu.RLock()
	z, ok := d.data[string(page)] // the conversion does not copy
	d.mu.RUnlock()
	if ok && z.tokenLen == tokenLen {
		return z
	}
	if bytes.IndexByte(page, 0) >= 0 {
		return nil
	}
	z = deflate(page, tokenLen)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.data == nil || d.held+len(page)+z.size > maxDeflated {
		d.data, d.held = map[string]*deflatedPage{}, 0
	}
	d.data[string(page)] = z
	d.held += len(page) + z.size
	return z
}

// deflate cuts page at its markers and deflates it, each token as
// tokenLen NUL bytes whose blocks are left out.
func deflate(page []byte, tokenLen int) *deflatedPage {
	var out bytes.Buffer
	w := flaters.Get().(*flate.Writer)
	defer flaters.Put(w)
	w.Reset(&out)
	z := &deflatedPage{tokenLen: tokenLen}
	nul := make([]byte, tokenLen)
	marker := []byte(formTokenMarker)
	start := 0
	for {
		end := len(page)
		i := bytes.Index(page[start:], marker)
		if i >= 0 {
			end = start + i
		}
		_, _ = w.Write(page[start:end]) // into a bytes.Buffer: never fails
		_ = w.Flush()
		z.parts = append(z.parts, [2]int{start, end})
		z.blocks = append(z.blocks, bytes.Clone(out.Bytes()))
		z.size += out.Len()
		out.Reset()
		if i < 0 {
			return z
		}
		_, _ = w.Write(nul)
		_ = w.Flush()
		out.Reset() // the token's place: a view writes its own
		start = end + len(marker)
	}
}
