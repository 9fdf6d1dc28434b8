package fleet

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCountsReadRight: an archive holding more archives than are named
// one by one says how many more in the singular for 1 and the plural for
// 2 ("1 more archives inside it ... extract them" was printed).
func TestCountsReadRight(t *testing.T) {
	for _, c := range []struct {
		more int
		want string
	}{
		{1, "1 more archive inside it, not read (extract it and give it as a PATH of its own)"},
		{2, "2 more archives inside it, not read (extract them and give them as PATHs of their own)"},
	} {
		path := filepath.Join(t.TempDir(), "all.zip")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for i := 0; i < maxNestedNamed+c.more; i++ {
			if _, err := zw.Create(fmt.Sprintf("vm%d.zip", i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		probs := nestedArchives(path)
		if len(probs) != maxNestedNamed+1 || !strings.Contains(probs[maxNestedNamed].Error(), c.want) {
			t.Errorf("%d more: %v, want the last to say %q", c.more, probs, c.want)
		}
	}
}
