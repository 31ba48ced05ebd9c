package qr

import (
	"encoding/binary"

	"github.com/makiuchi-d/gozxing"
)

// hybridBlock is the side of the blocks of gozxing's HybridBinarizer, and
// hybridMinRange the luminance spread below which a block counts as flat.
const (
	hybridBlock    = 8
	hybridMinRange = 24
)

// binarizer holds the buffers of hybridMatrix between frames. The matrices
// it returns are its own too: one is valid until the next call of the same
// size (a decode reads it and lets go of it before the next pass).
type binarizer struct {
	blackPoints []int
	bits        []uint32
	row         *gozxing.BitArray
	matrices    [3]*gozxing.BitMatrix // a frame's passes use up to 3 sizes
	next        int
}

// matrixOf returns a kept matrix of this size, or makes one in place of the
// oldest.
func (b *binarizer) matrixOf(width, height int) *gozxing.BitMatrix {
	for _, m := range b.matrices {
		if m != nil && m.GetWidth() == width && m.GetHeight() == height {
			return m
		}
	}
	m, _ := gozxing.NewBitMatrix(width, height)
	b.matrices[b.next] = m
	b.next = (b.next + 1) % len(b.matrices)
	return m
}

// hybridMatrix binarizes a gray frame exactly as gozxing's HybridBinarizer
// does (the same black point per 8×8 block, the same 5×5 average of them as
// threshold, the same handling of flat blocks and of the right and bottom
// edges), so every later step sees the same bits. gozxing sets one bit per
// call through an interface; this packs 32 pixels into a word at a time and
// keeps its buffers, which makes the pass that dominates the cost of a
// frame without a code several times cheaper. width and height must be at
// least 40 (gozxing falls back to the global histogram below that).
func (b *binarizer) hybridMatrix(gray []byte, width, height int) *gozxing.BitMatrix {
	subW := (width + hybridBlock - 1) / hybridBlock
	subH := (height + hybridBlock - 1) / hybridBlock
	b.blackPoints = growInts(b.blackPoints, subW*subH)
	bp := b.blackPoints
	maxX, maxY := width-hybridBlock, height-hybridBlock
	for y := 0; y < subH; y++ {
		yoff := min(y*hybridBlock, maxY)
		for x := 0; x < subW; x++ {
			xoff := min(x*hybridBlock, maxX)
			sum, lo, hi := blockStats(gray[yoff*width+xoff:], width)
			average := sum >> 6
			if hi-lo <= hybridMinRange {
				// A flat block: assume background, unless its
				// neighbours' black points say it is dark.
				average = lo / 2
				if y > 0 && x > 0 {
					neighbours := (bp[(y-1)*subW+x] + 2*bp[y*subW+x-1] + bp[(y-1)*subW+x-1]) / 4
					if lo < neighbours {
						average = neighbours
					}
				}
			}
			bp[y*subW+x] = average
		}
	}

	rowSize := (width + 31) / 32
	b.bits = growWords(b.bits, rowSize*height)
	bits := b.bits
	clear(bits)
	for y := 0; y < subH; y++ {
		yoff := min(y*hybridBlock, maxY)
		top := min(max(y, 2), subH-3)
		for x := 0; x < subW; x++ {
			xoff := min(x*hybridBlock, maxX)
			left := min(max(x, 2), subW-3)
			sum := 0
			for z := -2; z <= 2; z++ {
				r := bp[(top+z)*subW+left-2 : (top+z)*subW+left+3]
				sum += r[0] + r[1] + r[2] + r[3] + r[4]
			}
			threshold := sum / 25
			if xoff&7 == 0 {
				// The usual case: the block's 8 pixels are one byte of
				// a word; build it without branches.
				word, shift := xoff>>5, uint(xoff&31)
				t := uint64(threshold+1) * lanes16
				for yy := 0; yy < hybridBlock; yy++ {
					o := (yoff+yy)*width + xoff
					v := binary.LittleEndian.Uint64(gray[o : o+8])
					// A lane's top bit is clear where the pixel is at
					// most the threshold: black.
					even := ^((v&evenBytes | laneTop) - t) & laneTop
					odd := ^((v>>8&evenBytes | laneTop) - t) & laneTop
					m := gatherLanes(even>>15) | gatherLanes(odd>>15)<<1
					bits[(yoff+yy)*rowSize+word] |= uint32(m) << shift
				}
				continue
			}
			for yy := 0; yy < hybridBlock; yy++ {
				src := gray[(yoff+yy)*width+xoff : (yoff+yy)*width+xoff+hybridBlock]
				words := bits[(yoff+yy)*rowSize:]
				for xx, p := range src {
					if int(p) <= threshold {
						px := xoff + xx
						words[px>>5] |= 1 << uint(px&31)
					}
				}
			}
		}
	}
	// Every row is set below, so a kept matrix of the same size is reused as
	// it is: a new one was 115 kB of garbage per pass at 720p, 30 times a
	// second.
	matrix := b.matrixOf(width, height)
	if b.row == nil || b.row.GetSize() != width {
		b.row = gozxing.NewBitArray(width)
	}
	rowBits := b.row.GetBitArray()
	for y := 0; y < height; y++ {
		copy(rowBits, bits[y*rowSize:(y+1)*rowSize])
		matrix.SetRow(y, b.row)
	}
	return matrix
}

func growInts(buf []int, n int) []int {
	if cap(buf) < n {
		return make([]int, n)
	}
	return buf[:n]
}

func growWords(buf []uint32, n int) []uint32 {
	if cap(buf) < n {
		return make([]uint32, n)
	}
	return buf[:n]
}

// SWAR constants: the 8 pixels of a block row are one uint64, split into
// its even and its odd bytes, each held in four 16-bit lanes so that sums
// and comparisons cannot carry into the next pixel.
const (
	evenBytes = 0x00ff00ff00ff00ff
	lanes16   = 0x0001000100010001
	laneTop   = 0x8000800080008000
)

// blockStats returns the sum, the minimum and the maximum of the 8×8 block
// whose top left pixel is gray[0] (rows stride apart).
func blockStats(gray []byte, stride int) (sum, lo, hi int) {
	var total, minE, minO, maxE, maxO uint64
	minE, minO = 0x00ff00ff00ff00ff, 0x00ff00ff00ff00ff
	for y := 0; y < hybridBlock; y++ {
		v := binary.LittleEndian.Uint64(gray[y*stride : y*stride+8])
		e, o := v&evenBytes, v>>8&evenBytes
		total += e + o
		minE, maxE = minMaxLanes(minE, maxE, e)
		minO, maxO = minMaxLanes(minO, maxO, o)
	}
	sum = int((total * lanes16) >> 48)
	lo, hi = 255, 0
	for i := 0; i < 64; i += 16 {
		lo = min(lo, int(minE>>i&0xff), int(minO>>i&0xff))
		hi = max(hi, int(maxE>>i&0xff), int(maxO>>i&0xff))
	}
	return sum, lo, hi
}

// minMaxLanes updates the lane-wise minimum and maximum with v; every lane
// holds a value below 256.
func minMaxLanes(lo, hi, v uint64) (uint64, uint64) {
	// A lane of geq is 0xffff where v ≥ lo (the top bit survives the
	// subtraction), else 0.
	geq := (((v | laneTop) - lo) & laneTop) >> 15 * 0xffff
	lo = lo&geq | v&^geq
	geq = (((v | laneTop) - hi) & laneTop) >> 15 * 0xffff
	hi = v&geq | hi&^geq
	return lo, hi
}

// gatherLanes moves bit 0 of each 16-bit lane of b to bits 0, 2, 4 and 6.
func gatherLanes(b uint64) uint64 {
	return (b * (1<<48 | 1<<34 | 1<<20 | 1<<6)) >> 48 & 0x55
}
