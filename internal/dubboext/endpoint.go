package dubboext

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"
	dubbotls "dubbo.apache.org/dubbo-go/v3/tls"

	"github.com/dubbogo/gost/log/logger"

	"google.golang.org/grpc"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/memnet"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// endpoint is one listener (one host:port) serving every exported service
// there.
type endpoint struct {
	addr     string
	tlsConf  *tls.Config
	settings transport.Settings
	ln       net.Listener
	hs       *http.Server
	h2       *h2.Server
	served   chan struct{} // closed when Serve returned

	mu       sync.RWMutex
	routes   map[string]map[string]http.Handler // path -> group/version -> handler
	lower    map[string]string                  // lower-cased path -> path
	services map[string]grpc.ServiceInfo        // for gRPC reflection
}

func newEndpoint(url *common.URL) (*endpoint, error) {
	settings, err := serverSettings(url)
	if err != nil {
		return nil, err
	}
	tlsConf, err := tlsFromURL(url, dubbotls.IsServerTLSValid, dubbotls.GetServerTlSConfig)
	if err != nil {
		return nil, err
	}
	ln, err := listen(url.Location)
	if err != nil {
		return nil, fmt.Errorf("streamx: listen on %s: %w", url.Location, err)
	}
	s := &endpoint{
		addr:     url.Location,
		tlsConf:  tlsConf,
		settings: settings,
		ln:       ln,
		served:   make(chan struct{}),
		routes:   map[string]map[string]http.Handler{},
		lower:    map[string]string{},
		services: map[string]grpc.ServiceInfo{},
	}
	var p http.Protocols
	p.SetHTTP1(true) // only to answer HTTP/1 callers with a clear error
	if tlsConf != nil {
		p.SetHTTP2(true)
	} else {
		p.SetUnencryptedHTTP2(true)
	}
	// Our own HTTP/2 server (internal/h2) behind net/http, which
	// keeps the listener, TLS, the h2c preface and HTTP/1 callers (they get
	// a clear error from ServeHTTP).
	s.h2 = h2.NewServer(h2.ServerConfig{
		Limits:  settings.H2,
		Logf:    logger.Errorf,
		Timeout: transport.RequestTimeout,
	})
	s.hs = &http.Server{
		Handler:           s,
		Protocols:         &p,
		TLSConfig:         tlsConf,
		ReadHeaderTimeout: 10 * time.Second,
	}
	s.h2.Install(s.hs)
	go s.serve()
	return s, nil
}

// listen listens on TCP, or in memory where streamxtest claimed the
// address.
func listen(addr string) (net.Listener, error) {
	if memnet.Claimed(addr) {
		return memnet.Listen(addr)
	}
	return net.Listen("tcp", addr)
}

func (s *endpoint) serve() {
	defer close(s.served)
	var err error
	if s.tlsConf != nil {
		err = s.hs.ServeTLS(s.ln, "", "")
	} else {
		err = s.hs.Serve(s.ln)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Errorf("[streamx] server on %s stopped: %v", s.addr, err)
	}
}

func routeKey(group, version string) string { return group + "\x00" + version }

// handle mounts h at path for group/version.
func (s *endpoint) handle(path, group, version string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs := s.routes[path]
	if vs == nil {
		vs = map[string]http.Handler{}
		s.routes[path] = vs
		s.lower[strings.ToLower(path)] = path
	}
	vs[routeKey(group, version)] = h
}

// unhandle removes what handle mounted.
func (s *endpoint) unhandle(path, group, version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs := s.routes[path]
	delete(vs, routeKey(group, version))
	if len(vs) == 0 {
		delete(s.routes, path)
		delete(s.lower, strings.ToLower(path))
	}
}

func (s *endpoint) setServiceInfo(name string, info *grpc.ServiceInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if info == nil {
		delete(s.services, name)
		return
	}
	s.services[name] = *info
}

// GetServiceInfo lets dubbo-go's gRPC reflection service list our services.
func (s *endpoint) GetServiceInfo() map[string]grpc.ServiceInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]grpc.ServiceInfo, len(s.services))
	for k, v := range s.services {
		out[k] = v
	}
	return out
}

func (s *endpoint) lookup(r *http.Request) http.Handler {
	if reflectionPaths[r.URL.Path] {
		// Ours, whatever dubbo-go exported there: it describes this
		// endpoint's services, hand-declared methods included.
		return reflectionHandler{s}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	vs, ok := s.routes[r.URL.Path]
	if !ok {
		// Java and Go callers may capitalise the method differently
		// (SayHello vs sayHello); Triple matches case-insensitively.
		if p, found := s.lower[strings.ToLower(r.URL.Path)]; found {
			vs = s.routes[p]
		}
	}
	if len(vs) == 0 {
		return nil
	}
	key := routeKey(wire.Get(r.Header, wire.HeaderGroup), wire.Get(r.Header, wire.HeaderVersion))
	if h, ok := vs[key]; ok {
		return h
	}
	if len(vs) == 1 && key == routeKey("", "") {
		for _, h := range vs {
			return h
		}
	}
	return nil
}

// ServeHTTP routes a request to its method.
func (s *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := s.lookup(r); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	ss, err := transport.Accept(w, r, s.settings, func(string) bool { return true })
	if err != nil {
		return
	}
	defer ss.Release()
	ss.Finish(status.Errorf(status.Unimplemented, "no method %s on this provider (group %q, version %q)",
		r.URL.Path, wire.Get(r.Header, wire.HeaderGroup), wire.Get(r.Header, wire.HeaderVersion)))
}

// stop closes the listener and waits up to timeout for open streams, then
// cuts the rest.
func (s *endpoint) stop(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		_ = s.hs.Close()
	}
	// One budget for both waits: a handler that ignores its context held
	// the graceful shutdown for timeout, and then the close for as long
	// again.
	s.h2.CloseWithin(time.Until(deadline))
	<-s.served
}

func methodPath(interfaceName, method string) string {
	return "/" + interfaceName + "/" + method
}
