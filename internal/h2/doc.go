// Package h2 is streamx's HTTP/2: the consumer's client (Client,
// ClientStream: client*.go), the provider's server (Server: server*.go),
// and the connection engine both share (Conn: conn.go, streams.go). Conn reads
// and dispatches frames, keeps RFC 9113's stream states, validates and
// applies SETTINGS, enforces flow control in both directions, answers
// PING, RST_STREAM and GOAWAY, and keeps the bounds of Limits whatever the
// peer sends; each side supplies only what is its own through Side (a
// provider accepts streams and runs handlers, a consumer opens streams).
// Conn owns its lock, the stream table, the stream slots and every flow-
// control window; the sides call its methods (streams.go) and never hold
// its lock. Beside it: the frame writer that batches concurrent writers
// into few system calls, the frame reader that decodes header blocks into
// reused fields, header block validation, a stream's received data and
// its one blocking read (Body), and the HPACK encoder that reuses
// unchanged blocks.
package h2
