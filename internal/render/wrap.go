package render

import (
	"bytes"
	"io"
	"strings"
)

// Wrapped writes text to a terminal of a given width: a line too long for it
// is broken between words, never inside one, its continuation indented four
// columns past the line's own indent, so tables and lists stay readable.
// A word longer than the width stands on a line of its own. Without a
// terminal (width 0) lines pass whole, as logs and pipes want them.
type Wrapped struct {
	w       io.Writer
	width   int
	pending []byte
}

// NewWrapped wraps w at width columns (0: no wrapping).
func NewWrapped(w io.Writer, width int) *Wrapped { return &Wrapped{w: w, width: width} }

// Write takes whole or partial lines; a partial one waits for its end (or Flush).
func (f *Wrapped) Write(p []byte) (int, error) {
	f.pending = append(f.pending, p...)
	for {
		i := bytes.IndexByte(f.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(f.pending[:i])
		f.pending = f.pending[i+1:]
		if _, err := io.WriteString(f.w, wrapLine(line, f.width)+"\n"); err != nil {
			return 0, err
		}
	}
}

// Flush writes what is left of an unfinished last line.
func (f *Wrapped) Flush() error {
	if len(f.pending) == 0 {
		return nil
	}
	_, err := io.WriteString(f.w, wrapLine(string(f.pending), f.width))
	f.pending = nil
	return err
}

// wrapLine breaks one line at spaces to fit width, keeping the spacing of
// what stays together (a table's columns).
func wrapLine(line string, width int) string {
	if width <= 0 || visible(line) <= width {
		return line
	}
	indent := len(line) - len(strings.TrimLeft(line, " "))
	cont := strings.Repeat(" ", min(indent+4, width/2))
	var out strings.Builder
	cur, curLen, words := "", 0, 0
	for _, tok := range tokens(line, width-len(cont)) {
		n := visible(tok)
		if strings.TrimSpace(tok) == "" { // a run of spaces
			if words > 0 || cur == "" {
				cur, curLen = cur+tok, curLen+n
			}
			continue
		}
		if words > 0 && curLen+n > width {
			out.WriteString(strings.TrimRight(cur, " ") + "\n")
			cur, curLen, words = cont, len(cont), 0
		}
		// A piece of a long word (see tokens) joins the previous piece
		// with no space, as it was written.
		cur, curLen, words = cur+tok, curLen+n, words+1
	}
	out.WriteString(strings.TrimRight(cur, " "))
	return out.String()
}

// tokens splits a line into runs of spaces and runs of anything else; a
// run longer than room (a URL, a JSON value) is split after its commas and
// slashes, the places such text is read in pieces, a piece still too
// long (a host name) after its dots, and then (a resource name) after its
// hyphens and underscores.
func tokens(line string, room int) []string {
	var out []string
	start := 0
	for i := 1; i <= len(line); i++ {
		if i == len(line) || (line[i] == ' ') != (line[i-1] == ' ') {
			tok := line[start:i]
			if tok[0] != ' ' && visible(tok) > room {
				for _, p := range splitAfter(tok, ",/") {
					if visible(p) <= room {
						out = append(out, p)
						continue
					}
					for _, q := range splitAfter(p, ".") { // a long host name
						if visible(q) > room {
							out = append(out, splitAfter(q, "-_")...) // a long resource name
						} else {
							out = append(out, q)
						}
					}
				}
			} else {
				out = append(out, tok)
			}
			start = i
		}
	}
	return out
}

// splitAfter splits a word after each of the characters in cut.
func splitAfter(word, cut string) []string {
	var out []string
	start := 0
	for i, r := range word {
		if strings.ContainsRune(cut, r) && i+1 < len(word) {
			out = append(out, word[start:i+1])
			start = i + 1
		}
	}
	return append(out, word[start:])
}

// visible is a text's width in columns, ANSI colour codes left out.
func visible(s string) int {
	n := 0
	for _, shown := range runes(s) {
		if shown {
			n++
		}
	}
	return n
}
