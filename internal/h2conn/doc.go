// Package h2conn holds the HTTP/2 connection mechanics that streamx's
// client (internal/h2client) and server (internal/h2server) share: the
// frame writer that batches concurrent writers into few system calls, the
// frame reader that decodes header blocks into reused fields, the
// received-data buffer of a stream, header blocks split into frames, and
// the keepalive ping.
package h2conn
