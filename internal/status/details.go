package status

import (
	"fmt"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Details returns the error's status details (google.rpc.Status details,
// carried in grpc-status-details-bin), or nil. Unpack one with
// (*anypb.Any).UnmarshalTo or UnmarshalNew. The slice is the error's own:
// do not modify it.
func (e *Error) Details() []*anypb.Any {
	if e == nil {
		return nil
	}
	return e.details
}

// AddDetail appends msg (e.g. an errdetails.BadRequest) to the error's
// status details, which the peer reads with Details, or with grpc-go's
// status.FromError(err).Details(). It fails only when msg cannot be
// marshalled; the error is then unchanged.
func (e *Error) AddDetail(msg proto.Message) error {
	if e == nil {
		return fmt.Errorf("streamx: AddDetail on a nil *Error")
	}
	a, ok := msg.(*anypb.Any)
	if !ok {
		var err error
		if a, err = anypb.New(msg); err != nil {
			return fmt.Errorf("streamx: status detail %T: %w", msg, err)
		}
	}
	e.details = append(e.details, a)
	return nil
}

// MarshalStatus returns err as a serialized google.rpc.Status, for
// grpc-status-details-bin; nil when err has no details.
func MarshalStatus(err *Error) []byte {
	if err == nil || len(err.details) == 0 {
		return nil
	}
	b, merr := proto.Marshal(&spb.Status{Code: int32(err.code), Message: err.msg, Details: err.details})
	if merr != nil {
		return nil
	}
	return b
}

// WithStatusDetails returns err carrying the details of the serialized
// google.rpc.Status b. A b that does not parse, or whose code differs
// from err's, is ignored as grpc-go ignores it.
func WithStatusDetails(err *Error, b []byte) *Error {
	if err == nil || len(b) == 0 {
		return err
	}
	var st spb.Status
	if proto.Unmarshal(b, &st) != nil || Code(st.Code) != err.code {
		return err
	}
	err.details = st.Details
	return err
}
