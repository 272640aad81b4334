package secret

// keywordMatcher is an ASCII case-insensitive Aho-Corasick automaton compiled to a dense DFA over
// byte classes. It is Palisade's own rather than a library's because the scan loop is the hottest
// code of the analyzer: bytes that occur in no keyword share one class, upper and lower case share
// a class, and states with outputs are numbered last, so the inner loop is one table load and one
// comparison per byte, with no allocation and no callback until a keyword ends.
type keywordMatcher struct {
	class    [256]uint8
	nclass   int32
	trans    []int32   // trans[row+class] is the next state's row (state*nclass): no multiply per byte
	firstOut int32     // rows >= firstOut end at least one keyword
	out      [][]int32 // by state (row/nclass)
	lens     []int     // keyword lengths, by keyword index
	maxLen   int       // the longest keyword
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// newKeywordMatcher builds the automaton for keywords, which must be non-empty; matching ignores
// ASCII case.
func newKeywordMatcher(keywords []string) *keywordMatcher {
	m := &keywordMatcher{lens: make([]int, len(keywords))}
	for i, k := range keywords {
		m.lens[i] = len(k)
		m.maxLen = max(m.maxLen, len(k))
	}
	m.nclass = m.assignClasses(keywords)
	t := buildTrie(keywords, &m.class, m.nclass)
	t.complete()
	m.renumber(t)
	return m
}

// assignClasses gives class 0 to bytes in no keyword and one class per distinct lowercase byte
// otherwise, upper case sharing the lower-case class; it returns the number of classes.
func (m *keywordMatcher) assignClasses(keywords []string) int32 {
	var used [256]bool
	for _, k := range keywords {
		for i := 0; i < len(k); i++ {
			used[lowerASCII(k[i])] = true
		}
	}
	next := uint8(1)
	for c := 0; c < 256; c++ {
		if used[c] {
			m.class[c] = next
			next++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	return int32(next)
}

// trie is the Aho-Corasick construction state: goto transitions (-1 for none until complete),
// failure links and output sets.
type trie struct {
	nc   int32
	next []int32 // next[state*nc+class]
	fail []int32
	out  [][]int32
}

func buildTrie(keywords []string, class *[256]uint8, nc int32) *trie {
	t := &trie{nc: nc}
	t.addState()
	for ki, k := range keywords {
		s := int32(0)
		for i := 0; i < len(k); i++ {
			c := int32(class[k[i]])
			if t.next[s*nc+c] < 0 {
				t.next[s*nc+c] = t.addState()
			}
			s = t.next[s*nc+c]
		}
		t.out[s] = append(t.out[s], int32(ki))
	}
	return t
}

func (t *trie) addState() int32 {
	for range t.nc {
		t.next = append(t.next, -1)
	}
	t.fail = append(t.fail, 0)
	t.out = append(t.out, nil)
	return int32(len(t.fail) - 1)
}

// complete computes failure links breadth-first, merges each state's outputs with its failure
// state's, and fills every missing transition, turning the trie into a DFA.
func (t *trie) complete() {
	nc := t.nc
	queue := make([]int32, 0, len(t.fail))
	for c := int32(0); c < nc; c++ {
		if s := t.next[c]; s > 0 {
			queue = append(queue, s)
		} else {
			t.next[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := t.fail[s]
		t.out[s] = append(t.out[s], t.out[f]...)
		for c := int32(0); c < nc; c++ {
			if u := t.next[s*nc+c]; u >= 0 {
				t.fail[u] = t.next[f*nc+c]
				queue = append(queue, u)
			} else {
				t.next[s*nc+c] = t.next[f*nc+c]
			}
		}
	}
}

// renumber copies the DFA into m with states that end a keyword numbered last and transitions
// stored as row offsets. State 0 stays the start (it has no output: keywords are non-empty).
func (m *keywordMatcher) renumber(t *trie) {
	nc := t.nc
	perm := make([]int32, len(t.fail))
	n := int32(0)
	for s := range t.out {
		if len(t.out[s]) == 0 {
			perm[s] = n
			n++
		}
	}
	m.firstOut = n * nc
	for s := range t.out {
		if len(t.out[s]) > 0 {
			perm[s] = n
			n++
		}
	}
	m.trans = make([]int32, len(t.next))
	m.out = make([][]int32, len(t.out))
	for s := range t.out {
		ps := perm[s]
		m.out[ps] = t.out[s]
		for c := int32(0); c < nc; c++ {
			m.trans[ps*nc+c] = perm[t.next[int32(s)*nc+c]] * nc
		}
	}
}

// scanChunk is half the span scan interleaves: two DFA walks, over the two halves of each
// 2×scanChunk bytes, advance in one loop. A DFA walk is a chain of dependent table loads; two
// independent chains keep the CPU busy while each waits on memory.
const scanChunk = 2 << 10

// scan calls hit for every keyword occurrence in b, in order of end offset (the offset just past
// the keyword's last byte). Memory stays bounded however many hits a file has: hits of the second
// walk are held only until the end of their chunk.
func (m *keywordMatcher) scan(b []byte, hit func(kw int32, end int)) {
	m.scanChunks(b, scanChunk, hit)
}

func (m *keywordMatcher) scanChunks(b []byte, chunk int, hit func(kw int32, end int)) {
	trans, class, nc, firstOut := m.trans, &m.class, m.nclass, m.firstOut
	overlap := m.maxLen - 1
	type pending struct {
		kw  int32
		end int
	}
	var held []pending
	s := int32(0)
	p := 0
	for ; p+2*chunk <= len(b) && chunk > overlap; p += 2 * chunk {
		split := p + chunk
		// Walk A continues the true state over [p, split). Walk B starts afresh overlap bytes
		// before split: from split+1 on its state is exact, since no keyword is longer than
		// overlap+1, and it reports only hits ending after split.
		pb := split - overlap
		ba, bb := b[p:split], b[pb:pb+chunk]
		sb := int32(0)
		for i := range ba {
			s = trans[s+int32(class[ba[i]])]
			sb = trans[sb+int32(class[bb[i]])]
			if s >= firstOut {
				for _, kw := range m.out[s/nc] {
					hit(kw, p+i+1)
				}
			}
			if sb >= firstOut && pb+i+1 > split {
				for _, kw := range m.out[sb/nc] {
					held = append(held, pending{kw, pb + i + 1})
				}
			}
		}
		for i := pb + chunk; i < split+chunk; i++ {
			sb = trans[sb+int32(class[b[i]])]
			if sb >= firstOut {
				for _, kw := range m.out[sb/nc] {
					held = append(held, pending{kw, i + 1})
				}
			}
		}
		for _, h := range held {
			hit(h.kw, h.end)
		}
		held = held[:0]
		s = sb
	}
	for i := p; i < len(b); i++ {
		s = trans[s+int32(class[b[i]])]
		if s >= firstOut {
			for _, kw := range m.out[s/nc] {
				hit(kw, i+1)
			}
		}
	}
}
