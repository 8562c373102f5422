package zookeeper

import (
	"net/url"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/remoting"
)

const greeter = "org.apache.dubbo.samples.data.Greeter"

// pythonNode is the exact child name dubbo-python 3.0.0b1 registers:
// parse.quote("tri://127.0.0.1:50061?service=<service>", safe="").
const pythonNode = "tri%3A%2F%2F127.0.0.1%3A50061%3Fservice%3Dorg.apache.dubbo.samples.data.Greeter"

func goNode(rawURL string) string { return url.QueryEscape(rawURL) }

func TestNormalizeProvider(t *testing.T) {
	type want struct {
		protocol, location, path, intf, side, category, group, version, methods string
	}
	tests := []struct {
		name  string
		child string
		want  *want // nil: malformed
	}{
		{
			name:  "dubbo-python node",
			child: pythonNode,
			want:  &want{protocol: "tri", location: "127.0.0.1:50061", path: "/" + greeter, intf: greeter, side: "provider", category: "providers"},
		},
		{
			name:  "dubbo-python node, unescaped",
			child: "tri://127.0.0.1:50061?service=" + greeter,
			want:  &want{protocol: "tri", location: "127.0.0.1:50061", path: "/" + greeter, intf: greeter, side: "provider", category: "providers"},
		},
		{
			name: "dubbo-go node unchanged",
			child: goNode("tri://10.0.0.7:20000/" + greeter + "?anyhost=true&application=app&category=providers&group=g&interface=" + greeter +
				"&methods=Greet,GreetStream&side=provider&version=1.0.0"),
			want: &want{protocol: "tri", location: "10.0.0.7:20000", path: "/" + greeter, intf: greeter, side: "provider", category: "providers", group: "g", version: "1.0.0", methods: "Greet,GreetStream"},
		},
		{
			name:  "path only (no interface parameter)",
			child: goNode("dubbo://10.0.0.7:20880/com.example.Foo?side=provider"),
			want:  &want{protocol: "dubbo", location: "10.0.0.7:20880", path: "/com.example.Foo", intf: "com.example.Foo", side: "provider", category: "providers"},
		},
		{
			name:  "interface wins over service",
			child: goNode("tri://127.0.0.1:1/a.B?interface=a.B&service=x.Y"),
			want:  &want{protocol: "tri", location: "127.0.0.1:1", path: "/a.B", intf: "a.B", side: "provider", category: "providers"},
		},
		{
			name:  "IPv6 host",
			child: goNode("tri://[::1]:50061?service=" + greeter),
			want:  &want{protocol: "tri", location: "[::1]:50061", path: "/" + greeter, intf: greeter, side: "provider", category: "providers"},
		},
		{name: "empty", child: ""},
		{name: "blank", child: "   "},
		{name: "bad escape", child: "tri%3A%2F%2F127.0.0.1%3A50061%3Fservice%3D%ZZ"},
		{name: "no scheme", child: "127.0.0.1:50061?service=" + greeter},
		{name: "empty scheme", child: goNode("://127.0.0.1:50061?service=" + greeter)},
		{name: "no port", child: goNode("tri://127.0.0.1?service=" + greeter)},
		{name: "no host", child: goNode("tri://:50061?service=" + greeter)},
		{name: "port zero", child: goNode("tri://127.0.0.1:0?service=" + greeter)},
		{name: "port too big", child: goNode("tri://127.0.0.1:99999?service=" + greeter)},
		{name: "port not a number", child: goNode("tri://127.0.0.1:http?service=" + greeter)},
		{name: "two addresses", child: goNode("tri://127.0.0.1:1,127.0.0.1:2?service=" + greeter)},
		{name: "no service at all", child: goNode("tri://127.0.0.1:50061")},
		{name: "garbage", child: "%%%"},
		{name: "control characters", child: "tri://127.0.0.1:50061\x00?service=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := normalizeProvider(tt.child)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("normalizeProvider(%q) = %v, want an error", tt.child, u)
				}
				return
			}
			if err != nil {
				t.Fatalf("normalizeProvider(%q): %v", tt.child, err)
			}
			got := want{
				protocol: u.Protocol, location: u.Location, path: u.Path,
				intf: u.Interface(), side: u.GetParam("side", ""), category: u.GetParam("category", ""),
				group: u.Group(), version: u.Version(), methods: u.GetParam("methods", ""),
			}
			if got != *tt.want {
				t.Errorf("normalizeProvider(%q)\n got %+v\nwant %+v", tt.child, got, *tt.want)
			}
			if u.Service() != tt.want.intf || u.ServiceKey() == "" {
				t.Errorf("Service() = %q, ServiceKey() = %q", u.Service(), u.ServiceKey())
			}
		})
	}
}

func TestMatchesSubscription(t *testing.T) {
	sub := func(params string) *common.URL {
		u, err := common.NewURL("consumer://127.0.0.1/" + greeter + "?interface=" + greeter + params)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	prov := func(child string) *common.URL {
		u, err := normalizeProvider(child)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	python := prov(pythonNode)
	goV1 := prov(goNode("tri://127.0.0.1:2/" + greeter + "?interface=" + greeter + "&group=g&version=1.0.0"))
	other := prov(goNode("tri://127.0.0.1:3?service=com.example.Other"))
	tests := []struct {
		name string
		p    *common.URL
		sub  *common.URL
		want bool
	}{
		{"python, plain consumer", python, sub(""), true},
		{"python, version 0.0.0", python, sub("&version=0.0.0"), true},
		{"python, consumer group", python, sub("&group=g"), false},
		{"python, consumer version", python, sub("&version=1.0.0"), false},
		{"python, any group and version", python, sub("&group=*&version=*"), true},
		{"other interface", other, sub(""), false},
		{"go, same group and version", goV1, sub("&group=g&version=1.0.0"), true},
		{"go, plain consumer", goV1, sub(""), false},
		{"go, other version", goV1, sub("&group=g&version=2.0.0"), false},
	}
	for _, tt := range tests {
		if got := matchesSubscription(tt.p, tt.sub); got != tt.want {
			t.Errorf("%s: matchesSubscription = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestReconcile checks the diffing without Zookeeper: malformed and
// foreign children are skipped without hiding the good ones.
func TestReconcile(t *testing.T) {
	s, err := common.NewURL("consumer://127.0.0.1/" + greeter + "?interface=" + greeter)
	if err != nil {
		t.Fatal(err)
	}
	w := newWatcher(nil, nil, s, "/dubbo/"+greeter+"/providers")
	drain := func() map[string]remoting.EventType {
		got := map[string]remoting.EventType{}
		for {
			w.queue.mu.Lock()
			n := len(w.queue.items)
			w.queue.mu.Unlock()
			if n == 0 {
				return got
			}
			ev, err := w.queue.pop(nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			got[ev.Service.Location] = ev.Action
		}
	}
	py2 := "tri%3A%2F%2F127.0.0.1%3A50062%3Fservice%3D" + greeter
	foreign := goNode("tri://127.0.0.1:50063/" + greeter + "?interface=" + greeter + "&group=other")

	w.reconcile([]string{"%ZZbroken", pythonNode, foreign, "", py2})
	got := drain()
	want := map[string]remoting.EventType{"127.0.0.1:50061": remoting.EventTypeAdd, "127.0.0.1:50062": remoting.EventTypeAdd}
	if !equalEvents(got, want) {
		t.Fatalf("first listing: got %v, want %v", got, want)
	}

	// Unchanged listing: nothing new.
	w.reconcile([]string{py2, "%ZZbroken", pythonNode, foreign})
	if got := drain(); len(got) != 0 {
		t.Fatalf("unchanged listing: got %v, want no events", got)
	}

	w.reconcile([]string{"%ZZbroken", py2})
	got = drain()
	want = map[string]remoting.EventType{"127.0.0.1:50061": remoting.EventTypeDel}
	if !equalEvents(got, want) {
		t.Fatalf("after removal: got %v, want %v", got, want)
	}
}

func equalEvents(a, b map[string]remoting.EventType) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
