package template

import (
	"context"
	"fmt"
)

// Main is the main template a plan is made from, and where it came from.
type Main struct {
	Template *Template
	Origin   Origin
	// Store holds its nested templates (nil when the main template is
	// hpctl's embedded copy and the store could not be read).
	Store Store
}

// Origin identifies a main template, so that a deployment can be
// reproduced: where it was read, its ETag and sha256, its size.
type Origin struct {
	URL  string `json:"url"`
	Read string `json:"read"`
	ETag string `json:"etag,omitempty"`
	// SHA256 is the digest of the body hpctl planned from.
	SHA256       string `json:"sha256"`
	Parameters   int    `json:"parameters"`
	NestedStacks int    `json:"nestedStacks"`
	// Note says, in one line, why this is not the live template (offline,
	// unreachable: a cached copy or hpctl's embedded one stands in).
	Note string `json:"note,omitempty"`
}

// Fallback is what a plan uses when the store cannot be read: hpctl's
// embedded copy of the newest main stack it knows.
type Fallback struct {
	Body  []byte
	Label string
}

// Main parses the fallback: hpctl's embedded copy as a main template of
// its own, named by its label.
func (f *Fallback) Main() (*Main, error) {
	t, err := Parse(f.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Label, err)
	}
	return &Main{Template: t, Origin: origin(t, f.Label, "embedded", "", f.Body, "")}, nil
}

// LoadMain reads and parses the main template at key. When the store cannot
// be read and a fallback is given, the fallback is parsed instead and the
// origin's Note says why; an object that is not a template is always an
// error.
func LoadMain(ctx context.Context, store Store, key string, fallback *Fallback) (*Main, error) {
	url := store.Where(key)
	obj, err := store.Get(ctx, key)
	if err != nil {
		if fallback == nil {
			return nil, err
		}
		m, perr := fallback.Main()
		if perr != nil {
			return nil, perr
		}
		m.Origin.URL, m.Origin.Note = url, fmt.Sprintf("%s; planned from %s", brief(err), fallback.Label)
		return m, nil
	}
	t, err := Parse(obj.Body)
	if err != nil {
		return nil, &ParseError{Where: url, Err: err}
	}
	return &Main{Template: t, Store: store, Origin: origin(t, url, obj.Read, obj.ETag, obj.Body, obj.Stale)}, nil
}

// ParseError is an object that is not a template.
type ParseError struct {
	Where string
	Err   error
}

func (e *ParseError) Error() string { return e.Where + ": " + e.Err.Error() }
func (e *ParseError) Unwrap() error { return e.Err }

func origin(t *Template, url, read, etag string, body []byte, note string) Origin {
	return Origin{URL: url, Read: read, ETag: etag, SHA256: Digest(body), Parameters: len(t.Parameters),
		NestedStacks: len(t.NestedStacks()), Note: note}
}
