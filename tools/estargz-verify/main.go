// estargz-verify BLOB [TOC_DIGEST]: checks an eStargz layer blob with the estargz library of
// stargz-snapshotter (Debian's golang-github-containerd-stargz-snapshotter-dev), the code the
// snapshotter itself uses: footer → TOC, the TOC digest (against TOC_DIGEST when given), and
// every chunk read the way the snapshotter reads it lazily (its compressed range
// [offset, next offset) alone, gunzipped, checked against its chunkDigest); then the whole
// blob as a plain gzip stream (what engines unaware of eStargz do), whose sha256 is the
// diff_id. Prints one JSON object; exits 1 with the reason on the first failure.
package main

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"sort"

	"github.com/containerd/stargz-snapshotter/estargz"
	digest "github.com/opencontainers/go-digest"
)

type report struct {
	TOCDigest        string   `json:"tocDigest"`
	DiffID           string   `json:"diffID"`
	UncompressedSize int64    `json:"uncompressedSize"`
	Entries          int      `json:"entries"`
	Files            int      `json:"files"`
	Chunks           int      `json:"chunks"`
	PrefetchLandmark *int64   `json:"prefetchLandmark"`
	NoPrefetch       bool     `json:"noPrefetch"`
	Prefetch         []string `json:"prefetch"`
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: estargz-verify BLOB [TOC_DIGEST]")
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	st, err := f.Stat()
	if err != nil {
		fail("%v", err)
	}
	sr := io.NewSectionReader(f, 0, st.Size())
	r, err := estargz.Open(sr)
	if err != nil {
		fail("open: %v", err)
	}
	want := r.TOCDigest()
	if len(os.Args) > 2 {
		if want, err = digest.Parse(os.Args[2]); err != nil {
			fail("toc digest: %v", err)
		}
	}
	v, err := r.VerifyTOC(want)
	if err != nil {
		fail("verify toc: %v", err)
	}

	rep := report{TOCDigest: r.TOCDigest().String(), Prefetch: []string{}}
	type fileAt struct {
		name   string
		offset int64
	}
	var files []fileAt
	seen := map[*estargz.TOCEntry]bool{} // a hardlink's name yields its target's entry
	var walk func(dir string, e *estargz.TOCEntry)
	walk = func(dir string, e *estargz.TOCEntry) {
		rep.Entries++
		if seen[e] {
			return
		}
		seen[e] = true
		if e.Type == "reg" {
			rep.Files++
			if e.Size > 0 {
				files = append(files, fileAt{dir, e.Offset})
			}
			for off := int64(0); off < e.Size; {
				ce, ok := r.ChunkEntryForOffset(dir, off)
				if !ok {
					fail("%s: no chunk at %d", dir, off)
				}
				checkChunk(sr, v, dir, ce)
				rep.Chunks++
				off = ce.ChunkOffset + ce.ChunkSize
			}
		}
		// by name: the children are a Go map, and a hardlink's name yields its target's entry,
		// so the first name walked must not depend on map order
		kids := map[string]*estargz.TOCEntry{}
		var names []string
		e.ForeachChild(func(base string, c *estargz.TOCEntry) bool {
			kids[base] = c
			names = append(names, base)
			return true
		})
		sort.Strings(names)
		for _, n := range names {
			walk(path.Join(dir, n), kids[n])
		}
	}
	root, ok := r.Lookup("")
	if !ok {
		fail("no root in TOC")
	}
	walk("", root)
	if _, ok := r.Lookup(estargz.NoPrefetchLandmark); ok {
		rep.NoPrefetch = true
	}
	if e, ok := r.Lookup(estargz.PrefetchLandmark); ok {
		off := e.Offset
		rep.PrefetchLandmark = &off
		sort.Slice(files, func(i, j int) bool { return files[i].offset < files[j].offset })
		for _, fa := range files {
			if fa.offset < off && fa.name != estargz.PrefetchLandmark {
				rep.Prefetch = append(rep.Prefetch, "/"+fa.name)
			}
		}
	}

	// The whole blob as one multi-member gzip stream: what a plain gzip puller sees.
	zr, err := gzip.NewReader(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		fail("gzip: %v", err)
	}
	h := sha256.New()
	n, err := io.Copy(h, zr)
	if err != nil {
		fail("gunzip: %v", err)
	}
	rep.DiffID = fmt.Sprintf("sha256:%x", h.Sum(nil))
	rep.UncompressedSize = n

	out, _ := json.Marshal(rep)
	fmt.Println(string(out))
}

// checkChunk reads a chunk as the snapshotter does: only its own compressed bytes.
func checkChunk(sr *io.SectionReader, v estargz.TOCEntryVerifier, name string, ce *estargz.TOCEntry) {
	end := ce.NextOffset()
	if end <= ce.Offset {
		fail("%s: chunk at %d has no compressed bytes (next offset %d)", name, ce.Offset, end)
	}
	zr, err := gzip.NewReader(io.NewSectionReader(sr, ce.Offset, end-ce.Offset))
	if err != nil {
		fail("%s: chunk at %d is not a gzip member: %v", name, ce.Offset, err)
	}
	vr, err := v.Verifier(ce)
	if err != nil {
		fail("%s: %v", name, err)
	}
	if _, err := io.CopyN(vr, zr, ce.ChunkSize); err != nil {
		fail("%s: chunk at %d: %v", name, ce.Offset, err)
	}
	if !vr.Verified() {
		fail("%s: chunk at %d (file offset %d, %d bytes) does not match its chunkDigest", name, ce.Offset, ce.ChunkOffset, ce.ChunkSize)
	}
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "estargz-verify: "+format+"\n", a...)
	os.Exit(1)
}
