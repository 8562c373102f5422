package streamx_test

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// The model: what one call's two sides have done, and from that, which
// outcomes each next operation may have. Acceptance functions change the
// model only when they accept (they return nil); a rejection explains what
// was expected. Where the wire makes an order unknowable (a message in
// flight when a short timed read gives up, a cancel racing the provider's
// status), the model accepts each possible outcome and follows the one seen.

type callKind int

const (
	kindUnary callKind = iota
	kindClient
	kindServer
	kindBidi
)

func (k callKind) String() string {
	return [...]string{"unary", "client-stream", "server-stream", "bidi"}[k]
}

func (k callKind) providerReads() bool  { return k == kindClient || k == kindBidi }
func (k callKind) providerWrites() bool { return k == kindServer || k == kindBidi }

type model struct {
	kind callKind

	// Consumer to provider.
	cSent   []string // messages whose Write returned nil, in order
	cDone   bool     // DoneWriting was called
	cDoneOK bool     // the first DoneWriting returned nil: the provider reads EOF after cSent
	pRead   int      // how many of cSent the handler has read
	pClosed bool     // the handler broke out of Messages: its reads are Canceled
	pEnd    error    // the end the handler's reads saw, returned again by every later read

	// Provider to consumer.
	pSent     []string // messages the handler's Write accepted (a client stream's reply too)
	pDone     bool     // the handler called DoneWriting
	pWrote    bool     // the handler wrote a message: SetHeader is too late
	cRead     int      // how many of pSent the consumer has read
	returned  bool     // the handler returned
	status    streamx.Code
	headers   []string // values of modelHeaderKey that SetHeader accepted
	trailers  []string // values of modelTrailerKey that SetTrailer accepted
	sawHeader bool     // a provider-driven read result (message or the handler's end) reached the consumer

	// The consumer's end.
	closed         bool         // ReadStream.Close (or a break out of its iteration)
	local          streamx.Code // a local end: cancel, deadline, a refused iterator message; CodeOK: none
	localAnyTime   bool         // the local end comes at a time the driver does not know (an iterator's bad message)
	localAlso      streamx.Code // a second local end, which may win the race with the first
	cEnd           error        // the end the consumer's reads saw, returned again by every later read
	deadlinePassed bool
}

// consumerGone reports whether the consumer ended the call itself.
func (m *model) consumerGone() bool { return m.closed || m.local != streamx.CodeOK }

// consumerOver reports whether the call is over as the consumer sees it,
// or may be over without the consumer knowing yet.
func (m *model) consumerOver() bool { return m.consumerGone() || m.cEnd != nil || m.returned }

// sameEnd reports whether err is the same end as want: both io.EOF, or both
// errors with one code.
func sameEnd(err, want error) bool {
	if errors.Is(want, io.EOF) {
		return errors.Is(err, io.EOF)
	}
	return err != nil && !errors.Is(err, io.EOF) && streamx.CodeOf(err) == streamx.CodeOf(want)
}

func isCode(err error, codes ...streamx.Code) bool {
	return err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, streamx.ErrReadTimeout) && slices.Contains(codes, streamx.CodeOf(err))
}

// consumerReadReady reports whether a blocking consumer read returns
// without anything more happening.
func (m *model) consumerReadReady() bool {
	return m.cEnd != nil || m.consumerGone() || m.cRead < len(m.pSent) || m.returned
}

// localCodes are the codes a consumer's read may end with after its local
// end.
func (m *model) localCodes() []streamx.Code {
	codes := []streamx.Code{m.local}
	if m.localAlso != streamx.CodeOK {
		codes = append(codes, m.localAlso)
	}
	if slices.Contains(codes, streamx.CodeUnavailable) {
		codes = append(codes, streamx.CodeInternal)
	}
	return codes
}

// providerEnd is the end the consumer reads once the handler returned.
func (m *model) providerEnd() error {
	if m.status == streamx.CodeOK {
		return io.EOF
	}
	return streamx.NewError(m.status, "")
}

// consumerRead accepts the outcome of a consumer read; timed: a
// ReadTimeout that may give up.
func (m *model) consumerRead(o outcome, timed bool) error {
	if m.cEnd != nil {
		if !sameEnd(o.err, m.cEnd) {
			return fmt.Errorf("after the end %s every read returns it again", describeErr(m.cEnd))
		}
		return nil
	}
	if m.closed {
		if !isCode(o.err, streamx.CodeCanceled) {
			return fmt.Errorf("after Close reads return canceled")
		}
		m.cEnd = o.err
		return nil
	}
	var want []string
	if m.cRead < len(m.pSent) {
		next := m.pSent[m.cRead]
		if o.err == nil && o.msg == next {
			m.cRead++
			if m.local == streamx.CodeOK {
				m.sawHeader = true
			}
			return nil
		}
		want = append(want, fmt.Sprintf("message %q", next))
	}
	// The handler's end may also win over a local end that came first:
	// the consumer may notice its cancel or deadline only after the end
	// has arrived.
	if m.returned && m.cRead == len(m.pSent) {
		end := m.providerEnd()
		if sameEnd(o.err, end) {
			m.cEnd = o.err
			m.sawHeader = m.sawHeader || m.local == streamx.CodeOK
			return nil
		}
		want = append(want, "the handler's end "+describeErr(end))
	}
	if m.local != streamx.CodeOK {
		if isCode(o.err, m.localCodes()...) {
			m.cEnd = o.err
			return nil
		}
		want = append(want, fmt.Sprintf("the local end %v", m.localCodes()))
	}
	if timed && errors.Is(o.err, streamx.ErrReadTimeout) {
		return nil
	}
	if timed {
		want = append(want, "ErrReadTimeout")
	}
	if len(want) == 0 {
		return fmt.Errorf("a read with nothing to read returned (the driver should not have blocked)")
	}
	return fmt.Errorf("want one of %q", want)
}

// consumerWrite accepts the outcome of a consumer Write of msg ("" for
// nil, big for one over the send limit).
func (m *model) consumerWrite(msg string, big bool, o outcome) error {
	switch {
	case m.cDone:
		if !errors.Is(o.err, streamx.ErrWriteAfterDone) {
			return fmt.Errorf("a Write after DoneWriting returns ErrWriteAfterDone")
		}
		return nil
	case m.consumerOver():
		// The call is over or ending: the write may be refused, or go into
		// a stream nobody reads.
		if o.err != nil && (errors.Is(o.err, streamx.ErrReadTimeout) || errors.Is(o.err, io.EOF) || streamx.CodeOf(o.err) == streamx.CodeOK) {
			return fmt.Errorf("a refused Write returns an *Error")
		}
		// A write that succeeds may still reach the handler: a deadline
		// reaches the stream's context a moment after the caller's.
		if o.err == nil && msg != "" && !big {
			m.cSent = append(m.cSent, msg)
		}
		if o.err == nil && (msg == "" || big) {
			return fmt.Errorf("a nil or oversize Write cannot succeed")
		}
		return nil
	case big:
		if !isCode(o.err, streamx.CodeResourceExhausted) {
			return fmt.Errorf("a message over the send limit is refused with resource_exhausted")
		}
	case msg == "":
		if !isCode(o.err, streamx.CodeInvalidArgument) {
			return fmt.Errorf("a nil message is refused with invalid_argument")
		}
	default:
		if o.err != nil {
			return fmt.Errorf("a Write on a live stream succeeds")
		}
		m.cSent = append(m.cSent, msg)
	}
	return nil
}

// consumerDoneWriting accepts the outcome of the consumer's DoneWriting.
func (m *model) consumerDoneWriting(o outcome) error {
	if m.cDone {
		if !errors.Is(o.err, streamx.ErrDoneTwice) {
			return fmt.Errorf("a second DoneWriting returns ErrDoneTwice")
		}
		return nil
	}
	if m.consumerOver() {
		if o.err != nil && (errors.Is(o.err, io.EOF) || streamx.CodeOf(o.err) == streamx.CodeOK) {
			return fmt.Errorf("a refused DoneWriting returns an *Error")
		}
	} else if o.err != nil {
		return fmt.Errorf("DoneWriting on a live stream succeeds")
	}
	m.cDone = true
	// One that succeeds may still reach the handler, as a Write may.
	m.cDoneOK = o.err == nil
	return nil
}

// consumerClose records ReadStream.Close.
func (m *model) consumerClose() {
	m.closed = true
}

// consumerLocalEnd records a cancel, a deadline or a refused iterator
// message.
func (m *model) consumerLocalEnd(code streamx.Code, anyTime bool) {
	if m.closed {
		return
	}
	if m.local != streamx.CodeOK {
		// The first end may not have been noticed yet (an iterator's
		// refused message, or a cancel a waiting unary call sees on its
		// own goroutine): the second may win.
		if m.localAlso == streamx.CodeOK {
			m.localAlso = code
		}
		return
	}
	m.local, m.localAnyTime = code, anyTime
}

// providerReadReady reports whether a blocking handler read returns without
// anything more happening.
func (m *model) providerReadReady() bool {
	return m.pEnd != nil || m.pClosed || m.pRead < len(m.cSent) || m.cDoneOK || m.consumerGone()
}

// providerGoneCodes are the codes a handler's read may end with once the
// consumer went away.
func (m *model) providerGoneCodes() []streamx.Code {
	if m.local == streamx.CodeUnavailable {
		return []streamx.Code{streamx.CodeCanceled, streamx.CodeUnavailable}
	}
	return []streamx.Code{streamx.CodeCanceled, streamx.CodeDeadlineExceeded}
}

// providerRead accepts one handler read.
func (m *model) providerRead(o outcome, timed bool) error {
	if m.pEnd != nil {
		if !sameEnd(o.err, m.pEnd) {
			return fmt.Errorf("after the end %s every read returns it again", describeErr(m.pEnd))
		}
		return nil
	}
	if m.pClosed {
		if !isCode(o.err, streamx.CodeCanceled) {
			return fmt.Errorf("after a break reads return canceled")
		}
		m.pEnd = o.err
		return nil
	}
	var want []string
	if m.pRead < len(m.cSent) {
		next := m.cSent[m.pRead]
		if o.err == nil && o.msg == next {
			m.pRead++
			return nil
		}
		want = append(want, fmt.Sprintf("message %q", next))
	}
	if m.cDoneOK && m.pRead == len(m.cSent) {
		if errors.Is(o.err, io.EOF) {
			m.pEnd = o.err
			return nil
		}
		want = append(want, "io.EOF")
	}
	if m.consumerGone() {
		if isCode(o.err, m.providerGoneCodes()...) {
			m.pEnd = o.err
			return nil
		}
		want = append(want, fmt.Sprintf("the consumer's end %v", m.providerGoneCodes()))
	}
	if timed && errors.Is(o.err, streamx.ErrReadTimeout) {
		return nil
	}
	if timed {
		want = append(want, "ErrReadTimeout")
	}
	if len(want) == 0 {
		return fmt.Errorf("a read with nothing to read returned (the driver should not have blocked)")
	}
	return fmt.Errorf("want one of %q", want)
}

// providerIter accepts a handler's Messages loop that breaks after n.
func (m *model) providerIter(o outcome, n int) error {
	for i, msg := range o.msgs {
		if err := m.providerRead(outcome{msg: msg}, false); err != nil {
			return fmt.Errorf("iteration message %d: %w", i, err)
		}
	}
	if len(o.msgs) == n {
		m.pClosed = true
		return nil
	}
	// The loop ended by itself: Err is nil after io.EOF, else the error.
	end := o.err
	if end == nil {
		end = io.EOF
	}
	if err := m.providerRead(outcome{err: end}, false); err != nil {
		return fmt.Errorf("iteration's end: %w", err)
	}
	return nil
}

// providerWrite accepts a handler Write ("" for nil).
func (m *model) providerWrite(msg string, o outcome) error {
	switch {
	case m.pDone:
		if !errors.Is(o.err, streamx.ErrWriteAfterDone) {
			return fmt.Errorf("a Write after DoneWriting returns ErrWriteAfterDone")
		}
	case m.consumerGone():
		if o.err != nil && (errors.Is(o.err, io.EOF) || streamx.CodeOf(o.err) == streamx.CodeOK) {
			return fmt.Errorf("a refused Write returns an *Error")
		}
		if o.err == nil && msg == "" {
			return fmt.Errorf("a nil Write cannot succeed")
		}
		if o.err == nil {
			m.pSent = append(m.pSent, msg)
			m.pWrote = true
		}
	case msg == "":
		if !isCode(o.err, streamx.CodeInvalidArgument) {
			return fmt.Errorf("a nil message is refused with invalid_argument")
		}
	default:
		if o.err != nil {
			return fmt.Errorf("a Write on a live stream succeeds")
		}
		m.pSent = append(m.pSent, msg)
		m.pWrote = true
	}
	return nil
}

// providerDoneWriting accepts the handler's DoneWriting.
func (m *model) providerDoneWriting(o outcome) error {
	switch {
	case m.pDone:
		if !errors.Is(o.err, streamx.ErrDoneTwice) {
			return fmt.Errorf("a second DoneWriting returns ErrDoneTwice")
		}
	case m.consumerGone():
		if o.err != nil && streamx.CodeOf(o.err) == streamx.CodeOK {
			return fmt.Errorf("a refused DoneWriting returns an *Error")
		}
	case o.err != nil:
		return fmt.Errorf("DoneWriting on a live stream succeeds")
	}
	m.pDone = true
	return nil
}

// providerSetHeader accepts SetHeader(v).
func (m *model) providerSetHeader(v string, o outcome) error {
	late := m.pWrote && m.kind.providerWrites()
	switch {
	case late:
		if !isCode(o.err, streamx.CodeFailedPrecondition) {
			return fmt.Errorf("SetHeader after the first message is refused with failed_precondition")
		}
	case m.consumerGone():
		if o.err == nil {
			m.headers = append(m.headers, v)
		}
	case o.err != nil:
		return fmt.Errorf("SetHeader before the first message succeeds")
	default:
		m.headers = append(m.headers, v)
	}
	return nil
}

// providerSetTrailer accepts SetTrailer(v).
func (m *model) providerSetTrailer(v string, o outcome) error {
	switch {
	case m.consumerGone():
		if o.err == nil {
			m.trailers = append(m.trailers, v)
		}
	case o.err != nil:
		return fmt.Errorf("SetTrailer while the handler runs succeeds")
	default:
		m.trailers = append(m.trailers, v)
	}
	return nil
}

// providerReturn records the handler's return with code; a client stream's
// reply is a message.
func (m *model) providerReturn(code streamx.Code) {
	m.returned, m.status = true, code
	if code == streamx.CodeOK && m.kind == kindClient {
		m.pSent = append(m.pSent, "cs:"+joinNames(m.cSent[:m.pRead]))
	}
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ","
		}
		s += n
	}
	return s
}

// callResult accepts the outcome of a unary Call or a CallWith; reply is
// the one the handler sent.
func (m *model) callResult(o outcome, reply string) error {
	var want []string
	if m.returned {
		if m.status == streamx.CodeOK {
			if o.err == nil && o.msg == reply {
				m.cEnd = io.EOF
				return nil
			}
			want = append(want, fmt.Sprintf("the reply %q", reply))
		} else {
			if isCode(o.err, m.status) {
				m.cEnd = o.err
				return nil
			}
			want = append(want, "the handler's "+m.status.String())
		}
	}
	if m.local != streamx.CodeOK {
		if isCode(o.err, m.localCodes()...) {
			m.cEnd = o.err
			return nil
		}
		want = append(want, fmt.Sprintf("the local end %v", m.localCodes()))
	}
	if m.closed {
		if isCode(o.err, streamx.CodeCanceled) {
			m.cEnd = o.err
			return nil
		}
		want = append(want, "canceled after Close")
	}
	return fmt.Errorf("want one of %q", want)
}
