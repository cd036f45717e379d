package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Proxy stands between a tool and the emulator. It counts every API call
// by operation (the query protocol's Action, the JSON protocol's
// X-Amz-Target, else "S3 METHOD") and, when given Faults, makes some calls
// fail the ways AWS and networks do. Point a tool's AWS_ENDPOINT_URL at URL.
type Proxy struct {
	URL    string
	server *http.Server
	faults *Faults
	mu     sync.Mutex
	rng    *rand.Rand
	counts map[string]int
	// injected counts the faults by kind.
	injected map[string]int
	// log is every call in order, kept when Log is asked for.
	log  []Call
	keep bool
}

// Call is one API call the proxy passed on: when, which operation, and its
// subject (the stack or cluster it names, or the S3 path).
type Call struct {
	At      time.Time
	Op      string
	Subject string
}

// Faults say how often and how calls fail.
type Faults struct {
	// Rate is the share of calls that fail (0 to 1).
	Rate float64
	// Kinds to choose from, evenly: Throttle (the protocol's throttling
	// error), ServerError (500), Drop (the connection is reset before the
	// call reaches the emulator), DropAfter and ServerErrorAfter (the
	// emulator has done the call; the answer is lost). Empty means all.
	Kinds []string
	// Latency is added to every call.
	Latency time.Duration
	// Seed makes a run repeatable.
	Seed uint64
	// Deny answers calls of some operations with an authorization error,
	// every time, as AWS does for an identity without the permission or
	// with an expired session token.
	Deny []Denial
	// Stall holds one chosen call without an answer, so that a test can
	// kill the process that made it at that very call.
	Stall *Stall
}

// Stall matches the call to hold: the first request Match accepts is held
// until its client goes away (before the emulator sees it, or after it has
// done it when After is set); Hit is closed when that happens.
type Stall struct {
	Match func(*http.Request) bool
	After bool
	Hit   chan struct{}
	once  sync.Once
}

// Denial makes one operation fail for good after its first After calls.
type Denial struct {
	Op    string // as Counts names it: DescribeStackEvents, "S3 PUT"
	Code  string // AccessDenied, ExpiredToken, or Outage (a 500 every time)
	After int
}

// Outage, as a Denial's Code, answers every call of the operation with
// the service's 500, so that a call runs out of its attempts for sure.
const Outage = "outage"

// Fault kinds.
const (
	Throttle         = "throttle"
	ServerError      = "server-error"
	Drop             = "drop"
	DropAfter        = "drop-after"
	ServerErrorAfter = "server-error-after"
)

// NewCounter starts a counting proxy to target on a free loopback port.
func NewCounter(target string) (*Proxy, error) { return NewProxy(target, nil) }

// NewProxy starts a proxy to target that counts calls and injects faults
// (none when faults is nil).
func NewProxy(target string, faults *Faults) (*Proxy, error) {
	to, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), faults: faults, counts: map[string]int{}, injected: map[string]int{}}
	if faults != nil {
		if len(faults.Kinds) == 0 {
			faults.Kinds = []string{Throttle, ServerError, Drop, DropAfter, ServerErrorAfter}
		}
		p.rng = rand.New(rand.NewPCG(faults.Seed, faults.Seed^0x9e3779b97f4a7c15))
	}
	proxy := httputil.NewSingleHostReverseProxy(to)
	p.server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/hpctl-emu/") || strings.HasPrefix(r.URL.Path, "/moto-api/") {
			proxy.ServeHTTP(w, r)
			return
		}
		op, proto := operation(r)
		kind := p.count(op, proto, r)
		switch code := p.denied(op); code {
		case "":
		case Outage:
			fail(w, proto, op, false)
			return
		default:
			deny(w, proto, op, code)
			return
		}
		if st := p.stall(r); st != nil {
			if st.After {
				proxy.ServeHTTP(discard{header: http.Header{}}, r)
			}
			close(st.Hit)
			<-r.Context().Done()
			return
		}
		if p.faults != nil && p.faults.Latency > 0 {
			time.Sleep(p.faults.Latency)
		}
		switch kind {
		case Throttle:
			fail(w, proto, op, true)
		case ServerError:
			fail(w, proto, op, false)
		case Drop:
			reset(w)
		case DropAfter, ServerErrorAfter:
			proxy.ServeHTTP(discard{header: http.Header{}}, r) // the call happens; its answer is lost
			if kind == DropAfter {
				reset(w)
			} else {
				fail(w, proto, op, false)
			}
		default:
			proxy.ServeHTTP(w, r)
		}
	})}
	go func() { _ = p.server.Serve(ln) }()
	return p, nil
}

// operation names the API call a request makes and its protocol.
func operation(r *http.Request) (op, proto string) {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndexByte(t, '.')+1:], "json"
	}
	if a := r.URL.Query().Get("Action"); a != "" {
		return a, "query"
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body := peekBody(r)
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			return form.Get("Action"), "query"
		}
	}
	return "S3 " + r.Method, "s3"
}

// peekBody reads a request's body and leaves a copy for the emulator.
func peekBody(r *http.Request) []byte {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body
}

// subject is what a call names: the query protocol's StackName, the JSON
// protocol's ClusterName (read from a copy of the body), or the S3 path.
func subject(r *http.Request, proto string) string {
	if proto == "s3" {
		return r.URL.Path
	}
	body := peekBody(r)
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("StackName") != "" {
		return form.Get("StackName")
	}
	var doc struct{ ClusterName string }
	if json.Unmarshal(body, &doc) == nil {
		return doc.ClusterName
	}
	return ""
}

// count records a call and decides its fault ("" for none).
func (p *Proxy) count(op, proto string, r *http.Request) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[op]++
	if p.keep {
		p.log = append(p.log, Call{At: time.Now(), Op: op, Subject: subject(r, proto)})
	}
	if p.faults == nil || p.rng.Float64() >= p.faults.Rate {
		return ""
	}
	kind := p.faults.Kinds[p.rng.IntN(len(p.faults.Kinds))]
	p.injected[kind]++
	return kind
}

// fail answers with the protocol's throttling error or a 500.
func fail(w http.ResponseWriter, proto, op string, throttle bool) {
	status, code, msg := http.StatusInternalServerError, "InternalFailure", "injected by the fault proxy"
	switch {
	case throttle && proto == "s3":
		status, code, msg = http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate."
	case throttle && proto == "json":
		status, code, msg = http.StatusBadRequest, "ThrottlingException", "Rate exceeded"
	case throttle:
		status, code, msg = http.StatusBadRequest, "Throttling", "Rate exceeded"
	case proto == "s3":
		code = "InternalError"
	}
	switch proto {
	case "json":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
	case "query":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fault-%s</RequestId></ErrorResponse>`, code, msg, op)
	default:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<Error><Code>%s</Code><Message>%s</Message><RequestId>fault</RequestId></Error>`, code, msg)
	}
}

// stall returns the Stall this request is to be held by, once.
func (p *Proxy) stall(r *http.Request) *Stall {
	if p.faults == nil || p.faults.Stall == nil || p.faults.Stall.Match == nil {
		return nil
	}
	st := p.faults.Stall
	var hit bool
	p.mu.Lock()
	if st.Match(r) {
		st.once.Do(func() { hit = true })
	}
	p.mu.Unlock()
	if !hit {
		return nil
	}
	return st
}

// denied is the authorization error a call of op gets ("" for none).
func (p *Proxy) denied(op string) string {
	if p.faults == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range p.faults.Deny {
		if d.Op == op && p.counts[op] > d.After {
			p.injected[d.Code]++
			return d.Code
		}
	}
	return ""
}

// deny answers as AWS answers a call it does not authorize. The shapes are
// the services' own: CloudFormation's query protocol answers 403 with an
// ErrorResponse (AccessDenied, or ExpiredToken for an expired session),
// SageMaker's JSON protocol 400 with AccessDeniedException or
// ExpiredTokenException, S3 403 (AccessDenied) or 400 (ExpiredToken).
// Sources: the IAM User Guide, "Troubleshoot access denied error messages";
// the CloudFormation and SageMaker API references, "Common Errors".
func deny(w http.ResponseWriter, proto, op, code string) {
	action := strings.ToLower(map[string]string{"json": "sagemaker", "query": "cloudformation", "s3": "s3"}[proto]) + ":" + op
	msg := "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: " + action +
		" because no identity-based policy allows the " + action + " action"
	status := http.StatusForbidden
	if code == "ExpiredToken" {
		msg = "The security token included in the request is expired"
	}
	switch proto {
	case "json":
		status = http.StatusBadRequest
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"Message":%q}`, code+"Exception", msg)
	case "query":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>denied-%s</RequestId></ErrorResponse>`, code, msg, op)
	default:
		if code == "ExpiredToken" {
			status, msg = http.StatusBadRequest, "The provided token has expired."
		} else {
			msg = "Access Denied"
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<Error><Code>%s</Code><Message>%s</Message><RequestId>denied</RequestId></Error>`, code, msg)
	}
}

// reset drops the connection without an answer, with a TCP reset.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// discard is a response writer that forgets the answer.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// Log keeps every call from now on; Calls returns them.
func (p *Proxy) Log() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keep = true
}

// Calls returns the calls kept since Log, in order.
func (p *Proxy) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// Counts returns the calls so far by operation.
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

// Injected returns the faults injected so far by kind.
func (p *Proxy) Injected() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.injected)
}

// Total is the number of calls so far.
func (p *Proxy) Total() int {
	n := 0
	for _, v := range p.Counts() {
		n += v
	}
	return n
}

// Reset forgets the counts.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts, p.injected, p.log = map[string]int{}, map[string]int{}, nil
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.server.Close() }
