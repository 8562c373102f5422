package streamx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/dubbo-go-streamx/streamx/internal/mem"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// A Codec turns messages into bytes and back, per method, as dubbo-python's
// per-method serializers do. Codecs must be safe for concurrent use.
type Codec interface {
	// Name is the codec's part of the content type: application/grpc+<Name>.
	Name() string
	// Marshal encodes msg.
	Marshal(msg any) ([]byte, error)
	// Unmarshal decodes data into msg, which is always a non-nil pointer
	// (for a message type *M, a fresh *M; for a value type V, a *V).
	Unmarshal(data []byte, msg any) error
}

// ProtoCodec encodes proto.Message values in the protobuf binary format. It
// is the default codec.
type ProtoCodec struct{}

// Name implements Codec.
func (ProtoCodec) Name() string { return "proto" }

// Marshal implements Codec.
func (ProtoCodec) Marshal(msg any) ([]byte, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("proto codec: %T is not a proto.Message", msg)
	}
	return proto.Marshal(m)
}

// Unmarshal implements Codec.
func (ProtoCodec) Unmarshal(data []byte, msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return fmt.Errorf("proto codec: %T is not a proto.Message", msg)
	}
	return proto.Unmarshal(data, m)
}

// JSONCodec encodes plain Go values with encoding/json, as dubbo-python's
// JSON serialization samples do.
type JSONCodec struct{}

// Name implements Codec.
func (JSONCodec) Name() string { return "json" }

// Marshal implements Codec.
func (JSONCodec) Marshal(msg any) ([]byte, error) { return json.Marshal(msg) }

// Unmarshal implements Codec.
func (JSONCodec) Unmarshal(data []byte, msg any) error { return json.Unmarshal(data, msg) }

// RawCodec passes []byte messages through untouched, for methods whose
// payload another layer encodes.
type RawCodec struct{}

// Name implements Codec.
func (RawCodec) Name() string { return "raw" }

// Marshal implements Codec.
func (RawCodec) Marshal(msg any) ([]byte, error) {
	b, ok := msg.([]byte)
	if !ok {
		return nil, fmt.Errorf("raw codec: %T is not []byte", msg)
	}
	return b, nil
}

// Unmarshal implements Codec.
func (RawCodec) Unmarshal(data []byte, msg any) error {
	p, ok := msg.(*[]byte)
	if !ok {
		return fmt.Errorf("raw codec: %T is not *[]byte", msg)
	}
	*p = data
	return nil
}

// typed binds a Codec to one message type T.
type typed[T any] struct {
	codec Codec
	ptr   bool         // T is a pointer type: decode into a fresh pointee
	elem  reflect.Type // T's pointee type when ptr
	// copies: the codec copies what it keeps of its input (proto, JSON),
	// so it may decode the transport's lent bytes in place; any other
	// codec (raw, or the user's own, which may keep data) gets a copy.
	copies bool
	// large: the last proto message of T that Write encoded was large
	// enough to be sent from a pooled buffer without a copy (see encode).
	large atomic.Bool
}

func newTyped[T any](c Codec) (*typed[T], error) {
	t := reflect.TypeFor[T]()
	tc := &typed[T]{codec: c}
	switch c.(type) {
	case ProtoCodec, JSONCodec:
		tc.copies = true
	}
	if t.Kind() == reflect.Pointer {
		tc.ptr, tc.elem = true, t.Elem()
	}
	// Catch a codec that cannot handle T when the method is declared, not
	// at the first message.
	var probe any
	if tc.ptr {
		probe = reflect.New(tc.elem).Interface()
	} else {
		probe = reflect.New(t).Interface()
	}
	switch c.(type) {
	case ProtoCodec:
		if _, ok := probe.(proto.Message); !ok || !tc.ptr {
			return nil, fmt.Errorf("the proto codec needs a proto message pointer type, not %v (choose another codec with WithCodec)", t)
		}
	case RawCodec:
		if t != reflect.TypeFor[[]byte]() {
			return nil, fmt.Errorf("the raw codec needs []byte, not %v", t)
		}
	}
	return tc, nil
}

// descriptor is T's protobuf descriptor when messages travel as protobuf
// (for gRPC reflection), else nil.
func (tc *typed[T]) descriptor() protoreflect.MessageDescriptor {
	if _, ok := tc.codec.(ProtoCodec); !ok || !tc.ptr {
		return nil
	}
	if m, ok := reflect.New(tc.elem).Interface().(proto.Message); ok {
		return m.ProtoReflect().Descriptor()
	}
	return nil
}

func (tc *typed[T]) marshal(msg T) ([]byte, error) {
	if tc.ptr && reflect.ValueOf(msg).IsNil() {
		return nil, NewError(CodeInvalidArgument, "nil message")
	}
	return tc.codec.Marshal(msg)
}

// encode is marshal for Write. A proto message goes into a pooled buffer:
// owned, a buffer of mem the caller hands to the transport
// (transport.Stream.WriteOwned) for a message of transport.MinOwned bytes
// or more; else a scratch buffer the caller gives back with
// releaseScratch once the transport has copied the bytes (Write). Sizing
// a message first costs a small one more than it saves, so that is done
// only while the messages of T come large (as the last one did). Other
// codecs allocate, and p is nil.
func (tc *typed[T]) encode(msg T) (b []byte, p *[]byte, owned bool, err error) {
	if _, ok := tc.codec.(ProtoCodec); !ok || !tc.ptr {
		b, err = tc.marshal(msg)
		return b, nil, false, err
	}
	m, ok := any(msg).(proto.Message)
	if !ok || reflect.ValueOf(msg).IsNil() {
		b, err = tc.marshal(msg) // its error
		return b, nil, false, err
	}
	if tc.large.Load() {
		if n := proto.Size(m); n >= transport.MinOwned {
			p = mem.Get(n)
			b, err = proto.MarshalOptions{UseCachedSize: true}.MarshalAppend((*p)[:0], m)
			if err != nil || cap(b) != cap(*p) { // failed, or grew out of the buffer
				mem.Put(p)
				return b, nil, false, err
			}
			return b, p, true, nil
		}
		tc.large.Store(false)
	}
	p = scratchBufs.Get().(*[]byte)
	b, err = proto.MarshalOptions{}.MarshalAppend((*p)[:0], m)
	if len(b) >= transport.MinOwned {
		tc.large.Store(true)
	}
	return b, p, false, err
}

// releaseScratch returns p, which now holds b, to the scratch pool.
func releaseScratch(p *[]byte, b []byte) {
	if p == nil {
		return
	}
	if cap(b) <= maxScratch {
		*p = b[:0]
	}
	scratchBufs.Put(p)
}

// scratchBufs are the buffers small messages are encoded into; one grows
// to the largest message it held, up to maxScratch.
var scratchBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxScratch = 64 << 10

// unmarshal decodes b, which the transport only lends (transport.Reader):
// the message never refers to b's bytes.
func (tc *typed[T]) unmarshal(b []byte) (T, error) {
	if !tc.copies {
		b = bytes.Clone(b)
		if b == nil {
			b = []byte{}
		}
	}
	var msg T
	if tc.ptr {
		p := reflect.New(tc.elem)
		if err := tc.codec.Unmarshal(b, p.Interface()); err != nil {
			return msg, err
		}
		return p.Interface().(T), nil
	}
	err := tc.codec.Unmarshal(b, &msg)
	return msg, err
}
