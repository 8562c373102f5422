// The provider's side (server*.go, request_body.go, response_*.go):
// http.Handlers served
// over x/net's framer and hpack, one reader goroutine per connection.
//
// It replaces x/net's server for streamx providers because that server
// hands every frame between three goroutines (reader, serve loop, frame
// writer) and flushes a reply's HEADERS, DATA and trailers one system call
// each. Here the reader dispatches frames itself and a handler writes its
// frames into the connection's buffer itself; the buffer is flushed when
// the handler flushes or returns, and by the last of several concurrent
// writers only, so a unary reply leaves in one write. Handlers run on
// pooled goroutines whose stacks have already grown.
//
// net/http keeps the listener, TLS, HTTP/1 and the h2c preface: Install
// hooks the Server into an http.Server's TLSNextProto.

package h2

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ServerConfig holds what the server grants its peers.
type ServerConfig struct {
	// Limits are the bounds every connection keeps; zero fields take
	// the engine's defaults.
	Limits Limits
	// CloseWait bounds how long Close waits for handlers to return
	// (default 5 s).
	CloseWait time.Duration
	// Logf reports handler panics and connection errors; nil is silent.
	Logf func(format string, args ...any)
	// Timeout, if set, gives the time a request may run from its headers
	// (gRPC's grpc-timeout); the request's context then carries that
	// deadline, so a handler does not need a context of its own for it.
	Timeout func(http.Header) (time.Duration, bool)
}

// Server serves HTTP/2 connections handed to it. It is safe for
// concurrent use.
type Server struct {
	cfg ServerConfig

	work     chan func() // idle workers wait here
	stopPool chan struct{}
	workers  sync.WaitGroup
	nworkers atomic.Int32

	serving sync.WaitGroup // ServeConn calls running

	mu       sync.Mutex
	conns    map[*serverConn]struct{}
	shutdown bool
	closed   bool
}

// New returns a Server; zero fields of cfg take defaults.
func NewServer(cfg ServerConfig) *Server {
	cfg.Limits = cfg.Limits.WithDefaults()
	if cfg.CloseWait <= 0 {
		cfg.CloseWait = 5 * time.Second
	}
	return &Server{cfg: cfg, conns: map[*serverConn]struct{}{}, work: make(chan func()), stopPool: make(chan struct{})}
}

// Install makes hs hand its HTTP/2 connections (TLS with ALPN h2, and h2c
// with prior knowledge when hs.Protocols allows unencrypted HTTP/2) to s,
// and start s's graceful shutdown when hs.Shutdown runs. hs must not be
// serving yet.
func (s *Server) Install(hs *http.Server) {
	if hs.TLSNextProto == nil {
		hs.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}
	hs.TLSNextProto["h2"] = func(hs *http.Server, tc *tls.Conn, h http.Handler) {
		st := tc.ConnectionState()
		s.ServeConn(tc, false, &st, hs.Handler)
	}
	// net/http has read the preface of an h2c connection already; the
	// *tls.Conn it passes is a wrapper around the plain connection.
	hs.TLSNextProto["unencrypted_http2"] = func(hs *http.Server, tc *tls.Conn, h http.Handler) {
		nc, ok := tc.NetConn().(interface{ UnencryptedNetConn() net.Conn })
		if !ok {
			_ = tc.Close()
			return
		}
		s.ServeConn(nc.UnencryptedNetConn(), true, nil, hs.Handler)
	}
	hs.RegisterOnShutdown(s.Shutdown)
}

// ServeConn serves one connection until it ends, then waits for its
// handlers to return. prefaceRead tells whether the client preface has
// already been consumed; tlsState is nil for cleartext.
func (s *Server) ServeConn(nc net.Conn, prefaceRead bool, tlsState *tls.ConnectionState, h http.Handler) {
	c := newConn(s, nc, tlsState, h)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	shutdown := s.shutdown
	s.serving.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.serving.Done()
	}()
	c.serve(prefaceRead, shutdown)
}

// Shutdown starts a graceful shutdown: every connection gets GOAWAY and
// closes after its last stream; new connections are told to go away at
// once. A connection closes its write side first and reads (discarding)
// until the consumer closes too, for at most a second, so that a consumer
// still sending does not reset it and lose the last replies. It does not
// wait.
func (s *Server) Shutdown() {
	s.mu.Lock()
	s.shutdown = true
	conns := s.connsLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.goAway()
	}
}

// Close ends every connection at once (one already closing gracefully
// finishes its linger of at most a second), waits (up to ServerConfig.CloseWait)
// for their handlers and readers to return, and stops the worker pool.
func (s *Server) Close() { s.CloseWithin(s.cfg.CloseWait) }

// CloseWithin is Close waiting at most wait for the handlers (none when
// wait <= 0): for a caller whose own time for stopping is partly spent.
func (s *Server) CloseWithin(wait time.Duration) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := s.connsLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.Close(errServerClosed)
	}
	// Handlers see their contexts cancelled and reads fail; one that
	// ignores both must not hold up the caller for ever.
	served := make(chan struct{})
	go func() {
		s.serving.Wait() // no handler starts after this
		close(served)
	}()
	timer := time.NewTimer(max(wait, 0))
	defer timer.Stop()
	select {
	case <-served:
	case <-timer.C:
		if s.cfg.Logf != nil {
			s.cfg.Logf("h2 server: handlers still running %v after close; not waiting for them", wait)
		}
		close(s.stopPool) // workers leave when their handlers return
		return
	}
	close(s.stopPool)
	s.workers.Wait()
}

func (s *Server) connsLocked() []*serverConn {
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}

// maxWorkers bounds the pool: workers idle beyond what the busiest moment
// needed only cost their (GC-shrunk) stacks.
const maxWorkers = 256

// run runs fn on an idle pooled worker, else on a new worker while the
// pool is below maxWorkers, else on a plain goroutine. Workers keep the
// stack a handler grew, which a fresh goroutine would grow again (in
// dubbo-go's filter chain, by copying it three or four times).
func (s *Server) run(fn func()) {
	select {
	case s.work <- fn:
		return
	default:
	}
	if s.nworkers.Add(1) <= maxWorkers {
		s.workers.Add(1)
		go s.worker(fn)
		return
	}
	s.nworkers.Add(-1)
	go fn()
}

func (s *Server) worker(fn func()) {
	defer s.workers.Done()
	defer s.nworkers.Add(-1)
	for {
		fn()
		select {
		case fn = <-s.work:
		case <-s.stopPool:
			return
		}
	}
}

// baseContext is a connection's handlers' parent context: values only, so
// that a stream's context does not register with a parent (each stream is
// cancelled by the connection itself).
func baseContext(nc net.Conn) context.Context {
	return context.WithValue(context.Background(), http.LocalAddrContextKey, nc.LocalAddr())
}
