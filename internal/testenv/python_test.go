package testenv

import (
	"reflect"
	"strings"
	"testing"
)

// TestPythonToPython runs every greeter_client.py case against
// greeter_server.py: it proves the scripts and the helpers before Go peers
// are put on either side.
func TestPythonToPython(t *testing.T) {
	py := PythonEnv(t)
	_, port := py.StartServer(t)
	url := "tri://" + Addr(port)

	// One server for all cases is fine: each client process ends before the
	// next connects (see the multi-connection note on StartServer).
	run := func(t *testing.T, name string) map[string]any {
		t.Helper()
		res := py.RunClient(t, "--url", url, "--case", name)
		if len(res) != 1 || res[0]["case"] != name {
			t.Fatalf("want one result for %s, got %v", name, res)
		}
		return res[0]
	}
	want := func(t *testing.T, name string, msgs ...string) {
		t.Helper()
		r := run(t, name)
		if r["error"] != nil {
			t.Fatalf("%s: unexpected error %v", name, r["error"])
		}
		if got := strs(r["messages"]); !reflect.DeepEqual(got, msgs) {
			t.Fatalf("%s: messages %q, want %q", name, got, msgs)
		}
	}

	for _, c := range []struct {
		name string
		msgs []string
	}{
		{"unary", []string{"Hello, world"}},
		{"client_stream_iter", []string{"a b c"}},
		{"client_stream_write", []string{"a b c"}},
		{"server_stream", []string{"py 0", "py 1", "py 2"}},
		{"bidi", []string{"Hello, x", "Hello, y"}},
		{"bidi_iter", []string{"Hello, x", "Hello, y", "Hello, z"}},
		{"json_unary", []string{"Hello, json"}},
		{"json_bidi", []string{"Hello, j1", "Hello, j2"}},
		// dubbo-python drops a stream's error status on the client: the
		// reader sees the replies sent before it, then EOF.
		{"fail_stream", []string{"before boom", "EOF"}},
	} {
		t.Run(c.name, func(t *testing.T) { want(t, c.name, c.msgs...) })
	}

	t.Run("timed_read", func(t *testing.T) {
		got := strs(run(t, "timed_read")["messages"])
		var msgs []string
		timeouts := 0
		for i, m := range got {
			if m == "TIMEOUT" {
				timeouts++
				continue
			}
			// The handler pauses 600 ms before each reply: 100 ms reads
			// must time out before each of them.
			if m != "EOF" && (i == 0 || got[i-1] != "TIMEOUT") {
				t.Errorf("no TIMEOUT before %q: %q", m, got)
			}
			msgs = append(msgs, m)
		}
		if want := []string{"slow 0", "slow 1", "EOF"}; !reflect.DeepEqual(msgs, want) {
			t.Fatalf("messages %q, want %q among timeouts", got, want)
		}
		if timeouts < 4 {
			t.Fatalf("only %d timeouts in %q", timeouts, got)
		}
	})

	t.Run("fail_unary", func(t *testing.T) {
		r := run(t, "fail_unary")
		e, _ := r["error"].(map[string]any)
		if e == nil {
			t.Fatalf("want an error, got %v", r)
		}
		// The Python server maps a handler exception to INTERNAL (13).
		if e["code"] != float64(13) || !strings.Contains(e["description"].(string), "boom: x") {
			t.Fatalf("error %v, want code 13 with \"boom: x\"", e)
		}
	})

	t.Run("volume", func(t *testing.T) {
		r := run(t, "volume")
		if r["error"] != nil || r["count"] != float64(10000) || r["in_order"] != true ||
			r["first"] != "m0" || r["last"] != "m9999" {
			t.Fatalf("volume result %v", r)
		}
	})

	t.Run("big", func(t *testing.T) {
		r := run(t, "big")
		if r["error"] != nil || r["count"] != float64(1) || r["length"] != float64(1<<20) {
			t.Fatalf("big result %v", r)
		}
	})
}

// strs turns a decoded JSON array of strings into []string.
func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
