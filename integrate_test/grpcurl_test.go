package integrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// TestGrpcurl runs the real grpcurl binary (scripts/install-grpcurl.sh)
// against the samples' Greeter provider, as a user would: list, describe,
// every call kind fed JSON, an error reply, and the method declared by hand
// (slowServerStream), which the .proto lacks.
func TestGrpcurl(t *testing.T) {
	bin := testenv.Tool(t, "grpcurl", "scripts/install-grpcurl.sh")
	url := testenv.Serve(t, greeter.NewService())
	addr := strings.TrimPrefix(url, "tri://")
	svc := greeter.ServiceName

	// run runs grpcurl [flags] address [verb and symbol...]; with stdin,
	// the requests are read from it (-d @).
	run := func(t *testing.T, stdin string, args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		flags := []string{"-plaintext", "-max-time", "30"}
		if stdin != "" {
			flags = append(flags, "-d", "@")
		}
		cmd := exec.CommandContext(ctx, bin, append(append(flags, addr), args...)...)
		if stdin != "" {
			cmd.Stdin = strings.NewReader(stdin)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	// call runs a method and returns the replies' messages, in order.
	call := func(t *testing.T, method, stdin string) []string {
		t.Helper()
		out, err := run(t, stdin, svc+"/"+method)
		if err != nil {
			t.Fatalf("grpcurl %s: %v\n%s", method, err, out)
		}
		var msgs []string
		dec := json.NewDecoder(strings.NewReader(out))
		for {
			var r struct{ Message string }
			if err := dec.Decode(&r); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("grpcurl %s printed %q: %v", method, out, err)
			}
			msgs = append(msgs, r.Message)
		}
		return msgs
	}
	want := func(t *testing.T, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("replies %q, want %q", got, want)
		}
	}

	t.Run("list", func(t *testing.T) {
		out, err := run(t, "", "list")
		if err != nil {
			t.Fatalf("grpcurl list: %v\n%s", err, out)
		}
		for _, s := range []string{svc, "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"} {
			if !strings.Contains(out, s+"\n") {
				t.Errorf("list lacks %s:\n%s", s, out)
			}
		}
	})
	t.Run("describe", func(t *testing.T) {
		out, err := run(t, "", "describe", svc)
		if err != nil {
			t.Fatalf("grpcurl describe: %v\n%s", err, out)
		}
		const req, res = ".org.apache.dubbo.samples.data.GreeterRequest", ".org.apache.dubbo.samples.data.GreeterReply"
		for _, m := range []string{
			"rpc sayHello ( " + req + " ) returns ( " + res + " );",
			"rpc clientStream ( stream " + req + " ) returns ( " + res + " );",
			"rpc serverStream ( " + req + " ) returns ( stream " + res + " );",
			"rpc biStream ( stream " + req + " ) returns ( stream " + res + " );",
			"rpc slowServerStream ( " + req + " ) returns ( stream " + res + " );",
		} {
			if !strings.Contains(out, m) {
				t.Errorf("describe lacks %q:\n%s", m, out)
			}
		}
		out, err = run(t, "", "describe", "org.apache.dubbo.samples.data.GreeterRequest")
		if err != nil || !strings.Contains(out, "string name = 1;") {
			t.Errorf("describe GreeterRequest: %v\n%s", err, out)
		}
	})
	t.Run("unary", func(t *testing.T) {
		want(t, call(t, "sayHello", `{"name":"grpcurl"}`), "Hello, grpcurl")
	})
	t.Run("server stream", func(t *testing.T) {
		want(t, call(t, "serverStream", `{"name":"s"}`), "s 0", "s 1", "s 2")
	})
	t.Run("client stream", func(t *testing.T) {
		want(t, call(t, "clientStream", `{"name":"a"} {"name":"b"} {"name":"c"}`), "a b c")
	})
	t.Run("bidi stream", func(t *testing.T) {
		want(t, call(t, "biStream", `{"name":"a"} {"name":"b"}`), "Hello, a", "Hello, b")
	})
	t.Run("declared by hand", func(t *testing.T) {
		want(t, call(t, "slowServerStream", `{"name":"3:1"}`), "slow 0", "slow 1", "slow 2")
	})
	t.Run("error", func(t *testing.T) {
		out, err := run(t, `{"name":"bad"}`, svc+"/slowServerStream")
		if err == nil {
			t.Fatalf("grpcurl exited 0 on an error reply:\n%s", out)
		}
		for _, s := range []string{"Code: InvalidArgument", `Message: slowServerStream: want "<count>:<pause_ms>", got "bad"`} {
			if !strings.Contains(out, s) {
				t.Errorf("error output lacks %q:\n%s", s, out)
			}
		}
	})
}
