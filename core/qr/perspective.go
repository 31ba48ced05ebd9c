package qr

import (
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// Reading a code seen at an angle.
//
// gozxing places the sampling grid from the three finder patterns and one
// fourth point: the alignment pattern, looked for around where an affine
// map (a parallelogram) puts it, or, when it is not found there, the affine
// guess itself. When the partner's screen is turned against the camera the
// code is a trapezoid: the fourth corner is modules away from the affine
// guess, the alignment pattern is not found or a look-alike is taken, and
// the grid drifts off the modules. The projective map is fixed by the three
// finder centres and the fourth corner, so searchPerspective looks for that
// corner directly: it tries fourth corners around the affine guess and
// scores each by how well the code's fixed patterns (timing rows, alignment
// patterns) appear where that map puts them, refines the best, and hands
// the grid of the best few to gozxing's decoder. The finder patterns' sizes
// give the dimension (modules per side), which gozxing estimates from one
// module size for the whole code.

// minCoarseFit and minFit are the shares (in %) of the fixed patterns'
// modules that must have their colour for a fourth corner to be refined,
// and then to be decoded. A right corner fits 95–100 % of them, a wrong
// dimension or a wrong triple of finder patterns 50–75 %.
const (
	minCoarseFit = 65
	minFit       = 85
)

// maxSearches bounds the fourth-corner searches (one per triple of finder
// patterns and dimension) in one pass: a frame tiled with finder
// look-alikes (a checkerboard) offers dozens of triples in every pass and
// took 180 ms without the bound. A real code is found within the first
// few searches of the pass that can read it.
const maxSearches = 8

// coarseModules is about the most template modules the first look scores
// (a version-13 code has 256).
const coarseModules = 260

// perspectiveCandidates is how many distinct fourth corners are decoded
// after scoring; decoding is dearer than scoring.
const perspectiveCandidates = 3

// templateModule is one module of a fixed pattern (its centre) with the
// colour it must have.
type templateModule struct {
	x, y  float64
	black bool
}

// patternsOf is fixedPatterns(dimension), made once per dimension (at most
// 40 versions) and only read after.
func (d *Decoder) patternsOf(dimension int) []templateModule {
	if t, ok := d.patterns[dimension]; ok {
		return t
	}
	if d.patterns == nil {
		d.patterns = map[int][]templateModule{}
	}
	t := fixedPatterns(dimension)
	d.patterns[dimension] = t
	return t
}

// fixedPatterns lists the modules of a code of the given dimension whose
// colour is known whatever the data: the timing rows and columns and the
// alignment patterns (those that do not touch a finder pattern).
func fixedPatterns(dimension int) []templateModule {
	t := fixedModules(dimension)
	span := float64(dimension - 7)
	for i := range t {
		t[i].x = (t[i].x - 3.5) / span
		t[i].y = (t[i].y - 3.5) / span
	}
	return t
}

// fixedModules is fixedPatterns in module coordinates.
func fixedModules(dimension int) []templateModule {
	var t []templateModule
	for i := 8; i < dimension-8; i++ {
		t = append(t, templateModule{float64(i) + 0.5, 6.5, i%2 == 0}, templateModule{6.5, float64(i) + 0.5, i%2 == 0})
	}
	version, err := decoder.Version_GetVersionForNumber((dimension - 17) / 4)
	if err != nil {
		return t
	}
	centres := version.GetAlignmentPatternCenters()
	last := dimension - 7
	for _, cx := range centres {
		for _, cy := range centres {
			if (cx == 6 && (cy == 6 || cy == last)) || (cx == last && cy == 6) {
				continue // under a finder pattern
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					ring := max(abs(dx), abs(dy))
					t = append(t, templateModule{float64(cx+dx) + 0.5, float64(cy+dy) + 0.5, ring != 1})
				}
			}
		}
	}
	return t
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// perspectiveSearch holds the state of one search: the binarized frame,
// the finder centres and the template of one dimension, in unit
// coordinates (0 at the top-left finder centre, 1 at the top-right one).
type perspectiveSearch struct {
	matrix     *gozxing.BitMatrix
	tl, tr, bl gozxing.ResultPoint
	dimension  int
	template   []templateModule
}

// transform maps module coordinates onto the frame, with the finder centres
// fixed and the centre of a would-be fourth finder pattern (3.5 modules in
// from the bottom-right corner) at (x, y).
func (s *perspectiveSearch) transform(x, y float64) *common.PerspectiveTransform {
	far := float64(s.dimension) - 3.5
	return common.PerspectiveTransform_QuadrilateralToQuadrilateral(
		3.5, 3.5, far, 3.5, far, far, 3.5, far,
		s.tl.GetX(), s.tl.GetY(), s.tr.GetX(), s.tr.GetY(), x, y, s.bl.GetX(), s.bl.GetY())
}

// score counts the template's modules that have their colour under the map
// with the fourth corner at (x, y); modules off the frame count as wrong.
// It is the inner loop of the search: no allocation, one division a module.
func (s *perspectiveSearch) score(x, y float64) int {
	m := squareToQuad([4][2]float64{{s.tl.GetX(), s.tl.GetY()}, {s.tr.GetX(), s.tr.GetY()}, {x, y}, {s.bl.GetX(), s.bl.GetY()}})
	w, h := float64(s.matrix.GetWidth()), float64(s.matrix.GetHeight())
	n := 0
	for _, t := range s.template {
		q := m[6]*t.x + m[7]*t.y + m[8]
		px := (m[0]*t.x + m[1]*t.y + m[2]) / q
		py := (m[3]*t.x + m[4]*t.y + m[5]) / q
		if px >= 0 && py >= 0 && px < w && py < h && s.matrix.Get(int(px), int(py)) == t.black {
			n++
		}
	}
	return n
}

// candidateDimensions returns the likely dimensions (modules per side) of
// the code, nearest first: the distance between finder centres divided by
// the mean module size of the two patterns, which follows perspective
// better than one module size for the whole code.
func candidateDimensions(tl, tr, bl *detector.FinderPattern) []int {
	top := gozxing.ResultPoint_Distance(tl, tr) / ((tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize()) / 2)
	left := gozxing.ResultPoint_Distance(tl, bl) / ((tl.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 2)
	est := (top+left)/2 + 7
	if !(est >= 17 && est <= 181) { // also NaN and ±Inf from a zero module size
		return nil
	}
	nearest := int(math.Round((est-17)/4))*4 + 17
	dims := []int{nearest}
	if est > float64(nearest) {
		dims = append(dims, nearest+4, nearest-4)
	} else {
		dims = append(dims, nearest-4, nearest+4)
	}
	var ok []int
	for _, d := range dims {
		if d >= 21 && d <= 177 {
			ok = append(ok, d)
		}
	}
	return ok
}

// searchPerspective reads the code whose finder patterns info holds by
// searching the projective map, as described above.
func (d *Decoder) searchPerspective(matrix *gozxing.BitMatrix, info *detector.FinderPatternInfo, hints map[gozxing.DecodeHintType]interface{}) (string, error) {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	var lastErr error = gozxing.NewNotFoundException("no fourth corner")
	for _, dim := range candidateDimensions(tl, tr, bl) {
		if d.searchesLeft <= 0 {
			return "", gozxing.NewNotFoundException("perspective search budget spent")
		}
		d.searchesLeft--
		s := &perspectiveSearch{matrix: matrix, tl: tl, tr: tr, bl: bl, dimension: dim, template: d.patternsOf(dim)}
		text, err := d.searchCorner(s, hints)
		if err == nil {
			return text, nil
		}
		lastErr = err
	}
	return "", lastErr
}

type corner struct {
	x, y  float64
	score int
}

func (d *Decoder) searchCorner(s *perspectiveSearch, hints map[gozxing.DecodeHintType]interface{}) (string, error) {
	span := float64(s.dimension - 7)
	// One module along each side of the code, at the top left.
	ex := [2]float64{(s.tr.GetX() - s.tl.GetX()) / span, (s.tr.GetY() - s.tl.GetY()) / span}
	ey := [2]float64{(s.bl.GetX() - s.tl.GetX()) / span, (s.bl.GetY() - s.tl.GetY()) / span}
	affX := s.tr.GetX() + s.bl.GetX() - s.tl.GetX()
	affY := s.tr.GetY() + s.bl.GetY() - s.tl.GetY()
	at := func(a, b float64) (float64, float64) {
		return affX + a*ex[0] + b*ey[0], affY + a*ex[1] + b*ey[1]
	}
	// A screen turned by 25° moves the fourth corner by up to about a
	// sixth of the code's side. A first look every two modules keeps the
	// alignment patterns (five modules wide) in sight of the scoring;
	// then finer steps around the best few.
	// Codes above version 13 (and false triples that look like them) get
	// a coarser first look and a thinned template, so that no search costs
	// much more than one of a version-13 code.
	reach := max(4, int(math.Ceil(float64(s.dimension)/6)))
	step := max(2, (reach+5)/6)
	full := s.template
	if thin := (len(full) + coarseModules - 1) / coarseModules; thin > 1 {
		s.template = make([]templateModule, 0, coarseModules)
		for i := 0; i < len(full); i += thin {
			s.template = append(s.template, full[i])
		}
	}
	var best []corner
	for b := -reach; b <= reach; b += step {
		for a := -reach; a <= reach; a += step {
			x, y := at(float64(a), float64(b))
			best = keepBest(best, corner{float64(a), float64(b), s.score(x, y)}, float64(step))
		}
	}
	coarseN := len(s.template)
	s.template = full
	n := len(full)
	var lastErr error = gozxing.NewNotFoundException("no fourth corner")
	for _, c := range best {
		if c.score*100 < coarseN*minCoarseFit {
			break // the fixed patterns are not there: wrong dimension or triple
		}
		x, y := at(c.x, c.y)
		c.score = s.score(x, y)
		for step := float64(step) / 2; step >= 0.125; step /= 2 {
			improved := true
			for improved {
				improved = false
				for _, n := range [8][2]float64{{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
					a, b := c.x+n[0]*step, c.y+n[1]*step
					x, y := at(a, b)
					if sc := s.score(x, y); sc > c.score {
						c = corner{a, b, sc}
						improved = true
					}
				}
			}
		}
		if c.score*100 < n*minFit {
			continue
		}
		x, y = at(c.x, c.y)
		bits, err := common.GridSampler_GetInstance().SampleGridWithTransform(s.matrix, s.dimension, s.dimension, s.transform(x, y))
		if err != nil {
			lastErr = err
			continue
		}
		res, err := d.qrDecoder.Decode(bits, hints)
		if err == nil {
			d.readAtAngle++
			return res.GetText(), nil
		}
		lastErr = err
	}
	return "", lastErr
}

// keepBest keeps the perspectiveCandidates best-scoring corners, best
// first, skipping corners next to a better one (the same peak).
func keepBest(best []corner, c corner, near float64) []corner {
	for i, b := range best {
		if math.Abs(b.x-c.x) <= near && math.Abs(b.y-c.y) <= near {
			if c.score > b.score {
				best = append(best[:i], best[i+1:]...)
				return keepBest(best, c, near)
			}
			return best
		}
	}
	i := 0
	for i < len(best) && best[i].score >= c.score {
		i++
	}
	if i >= perspectiveCandidates {
		return best
	}
	best = append(best, corner{})
	copy(best[i+1:], best[i:])
	best[i] = c
	if len(best) > perspectiveCandidates {
		best = best[:perspectiveCandidates]
	}
	return best
}

// minModuleSize is the smallest module, in pixels, of the finder patterns
// that finderTriples and findThirdFinder consider. Sensor noise on a bright
// screen makes finder-like specks of a pixel or so by the dozen (29 in a
// 720p frame of an empty white window), whose triples cost searches; no
// code is read below 1.6 pixels per module anyway.
const minModuleSize = 1.6

// maxTriples is how many triples of finder-pattern candidates
// finderTriples offers beyond gozxing's own choice.
const maxTriples = 3

// finderTriples returns up to maxTriples triples of the candidates that
// could be a code's three finder patterns, most likely first, leaving out
// the triple tried already. A triple qualifies when its module sizes are
// within a factor of 2 (perspective makes the near pattern larger), its
// shape is near an isosceles right triangle, and its sides span between
// 14 and 170 modules.
func finderTriples(candidates []*detector.FinderPattern, tried *detector.FinderPatternInfo) []*detector.FinderPatternInfo {
	type triple struct {
		p    [3]*detector.FinderPattern
		cost float64
	}
	var best []triple
	n := len(candidates)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			for k := j + 1; k < n; k++ {
				p := [3]*detector.FinderPattern{candidates[i], candidates[j], candidates[k]}
				if tried != nil && samePatterns(p, tried) {
					continue
				}
				lo := math.Min(p[0].GetEstimatedModuleSize(), math.Min(p[1].GetEstimatedModuleSize(), p[2].GetEstimatedModuleSize()))
				hi := math.Max(p[0].GetEstimatedModuleSize(), math.Max(p[1].GetEstimatedModuleSize(), p[2].GetEstimatedModuleSize()))
				if lo < minModuleSize || hi > 2*lo {
					continue
				}
				sides := [3]float64{sqDist(p[0], p[1]), sqDist(p[1], p[2]), sqDist(p[0], p[2])}
				a, b, c := sort3(sides)
				if c == 0 {
					continue
				}
				distortion := (math.Abs(c-2*b) + math.Abs(c-2*a)) / c
				mean := (lo + hi) / 2
				if distortion > 0.6 || math.Sqrt(a) < 14*mean || math.Sqrt(b) > 170*mean {
					continue
				}
				t := triple{p, distortion + math.Log(hi/lo)}
				at := len(best)
				for at > 0 && best[at-1].cost > t.cost {
					at--
				}
				if at < maxTriples {
					best = append(best, triple{})
					copy(best[at+1:], best[at:])
					best[at] = t
					if len(best) > maxTriples {
						best = best[:maxTriples]
					}
				}
			}
		}
	}
	infos := make([]*detector.FinderPatternInfo, len(best))
	for i, t := range best {
		bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(t.p[0], t.p[1], t.p[2])
		infos[i] = detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern))
	}
	return infos
}

func samePatterns(p [3]*detector.FinderPattern, info *detector.FinderPatternInfo) bool {
	for _, q := range []*detector.FinderPattern{info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()} {
		if q != p[0] && q != p[1] && q != p[2] {
			return false
		}
	}
	return true
}

func sqDist(a, b *detector.FinderPattern) float64 {
	dx, dy := a.GetX()-b.GetX(), a.GetY()-b.GetY()
	return dx*dx + dy*dy
}

func sort3(v [3]float64) (a, b, c float64) {
	a, b, c = v[0], v[1], v[2]
	if a > b {
		a, b = b, a
	}
	if b > c {
		b, c = c, b
	}
	if a > b {
		a, b = b, a
	}
	return a, b, c
}

// maxPairs is how many pairs of finder-pattern candidates findThirdFinder
// completes.
const maxPairs = 3

// findThirdFinder looks for the finder pattern that gozxing did not find
// (too dim at the far side of a tilted screen, or never scanned because
// gozxing stopped at a look-alike in the data): for the best pairs of
// candidates it scans, row by row as gozxing does, the places where the
// third pattern of a right isosceles triangle would be, widened for
// perspective. It returns the triples that the new patterns make.
func (d *Decoder) findThirdFinder(matrix *gozxing.BitMatrix, candidates []*detector.FinderPattern) []*detector.FinderPatternInfo {
	if len(candidates) < 2 {
		return nil
	}
	type pair struct {
		a, b *detector.FinderPattern
		cost float64
	}
	var pairs []pair
	for i := range candidates {
		for j := i + 1; j < len(candidates); j++ {
			a, b := candidates[i], candidates[j]
			lo := math.Min(a.GetEstimatedModuleSize(), b.GetEstimatedModuleSize())
			hi := math.Max(a.GetEstimatedModuleSize(), b.GetEstimatedModuleSize())
			if side := math.Sqrt(sqDist(a, b)); lo < minModuleSize || hi > 2*lo || side < 14*lo || side > 170*hi {
				continue
			}
			p := pair{a, b, math.Log(hi/lo) - 0.1*float64(min(a.GetCount(), b.GetCount()))}
			at := len(pairs)
			for at > 0 && pairs[at-1].cost > p.cost {
				at--
			}
			if at < maxPairs {
				pairs = append(pairs, pair{})
				copy(pairs[at+1:], pairs[at:])
				pairs[at] = p
				pairs = pairs[:min(len(pairs), maxPairs)]
			}
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	finder := detector.NewFinderPatternFinder(matrix, d.callback)
	for _, p := range pairs {
		ax, ay, bx, by := p.a.GetX(), p.a.GetY(), p.b.GetX(), p.b.GetY()
		px, py := -(by - ay), bx-ax // the pair's side turned by 90°
		mx, my := (ax+bx)/2, (ay+by)/2
		radius := 0.2*math.Hypot(px, py) + 4*p.a.GetEstimatedModuleSize()
		for _, at := range [6][2]float64{
			{ax + px, ay + py}, {ax - px, ay - py}, {bx + px, by + py}, {bx - px, by - py}, // the pair is a leg
			{mx + px/2, my + py/2}, {mx - px/2, my - py/2}, // the pair is the hypotenuse
		} {
			scanForFinder(finder, matrix, at[0], at[1], radius, p.a.GetEstimatedModuleSize())
		}
	}
	found := finder.GetPossibleCenters()
	if len(found) == 0 {
		return nil
	}
	return finderTriples(append(append([]*detector.FinderPattern(nil), candidates...), found...), nil)
}

// scanForFinder runs gozxing's row scan for the 1:1:3:1:1 pattern over the
// square of the given radius around (x, y), every half module, handing
// what it finds to finder (which cross-checks it and keeps it).
func scanForFinder(finder *detector.FinderPatternFinder, matrix *gozxing.BitMatrix, x, y, radius, moduleSize float64) {
	x0, x1 := max(0, int(x-radius)), min(matrix.GetWidth(), int(x+radius))
	y0, y1 := max(0, int(y-radius)), min(matrix.GetHeight(), int(y+radius))
	step := max(1, int(moduleSize/2))
	var count [5]int
	for i := y0; i < y1; i += step {
		count = [5]int{}
		state := 0
		for j := x0; j < x1; j++ {
			if matrix.Get(j, i) {
				if state&1 == 1 {
					state++
				}
				count[state]++
				continue
			}
			if state&1 == 1 {
				count[state]++
				continue
			}
			if state < 4 {
				state++
				count[state]++
				continue
			}
			if detector.FinderPatternFinder_foundPatternCross(count[:]) && finder.HandlePossibleCenter(count[:], i, j) {
				count, state = [5]int{}, 0
				continue
			}
			count = [5]int{count[2], count[3], count[4], 1, 0}
			state = 3
		}
	}
}
