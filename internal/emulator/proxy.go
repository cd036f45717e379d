package emulator

import (
	"bytes"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// Counter is a reverse proxy in front of the emulator that counts every
// API call by operation: the query protocol's Action (CloudFormation), the
// JSON protocol's X-Amz-Target (SageMaker), else "S3 METHOD". Point a
// tool's AWS_ENDPOINT_URL at URL to count what it calls.
type Counter struct {
	URL    string
	server *http.Server
	ln     net.Listener
	mu     sync.Mutex
	counts map[string]int
}

// NewCounter starts a counting proxy to target on a free loopback port.
func NewCounter(target string) (*Counter, error) {
	to, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &Counter{URL: "http://" + ln.Addr().String(), ln: ln, counts: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(to)
	c.server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/hpctl-emu/") && !strings.HasPrefix(r.URL.Path, "/moto-api/") {
			c.count(operation(r))
		}
		proxy.ServeHTTP(w, r)
	})}
	go func() { _ = c.server.Serve(ln) }()
	return c, nil
}

// operation names the API call a request makes.
func operation(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndexByte(t, '.')+1:]
	}
	if a := r.URL.Query().Get("Action"); a != "" {
		return a
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			return form.Get("Action")
		}
	}
	return "S3 " + r.Method
}

func (c *Counter) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[op]++
}

// Counts returns the calls so far by operation.
func (c *Counter) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

// Total is the number of calls so far.
func (c *Counter) Total() int {
	n := 0
	for _, v := range c.Counts() {
		n += v
	}
	return n
}

// Reset forgets the counts.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int{}
}

// Close stops the proxy.
func (c *Counter) Close() error { return c.server.Close() }
