// gotable: a static Go HTTP server. "/" answers from memory; "/table?name=N" reads a CSV file
// from a directory compiled in as a string (Go lays its strings out without NULs).
package main

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
)

const tablesDir = "/usr/share/gotable/tables/"

var name = regexp.MustCompile(`^[a-z]+$`)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "<html><body><h1>gotable</h1></body></html>")
	})
	http.HandleFunc("/table", func(w http.ResponseWriter, r *http.Request) {
		n := r.URL.Query().Get("name")
		if !name.MatchString(n) {
			http.Error(w, "bad name", http.StatusBadRequest)
			return
		}
		b, err := os.ReadFile(tablesDir + n + ".csv")
		if err != nil {
			http.Error(w, "no such table", http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	if err := http.ListenAndServe(":8060", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
