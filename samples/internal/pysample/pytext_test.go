package pysample

import (
	"testing"

	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// The wanted strings are what dubbo-python 3.0.0b1's Python (protobuf's
// text_format) prints for the same messages.
func TestPyText(t *testing.T) {
	for _, c := range []struct {
		msg  *pb.GreeterRequest
		want string
	}{
		{&pb.GreeterRequest{Name: "Dubbo-python"}, "name: \"Dubbo-python\"\n"},
		{&pb.GreeterRequest{}, ""},
		{&pb.GreeterRequest{Name: "a\"b'c\\d\n\té"}, `name: "a\"b\'c\\d\n\té"` + "\n"},
		{&pb.GreeterRequest{Name: "\x01\x7f\x1fé€"}, `name: "\001\177\037é€"` + "\n"},
	} {
		if got := PyText(c.msg); got != c.want {
			t.Errorf("PyText(%q) = %q, want %q", c.msg.Name, got, c.want)
		}
	}
}

func TestPyBytes(t *testing.T) {
	for in, want := range map[string]string{
		"Hello from server": `b'Hello from server'`,
		"it's":              `b"it's"`,
		"a'b\"c":            `b'a\'b"c'`,
		"\x00\xff\n":        `b'\x00\xff\n'`,
	} {
		if got := PyBytes([]byte(in)); got != want {
			t.Errorf("PyBytes(%q) = %s, want %s", in, got, want)
		}
	}
}
