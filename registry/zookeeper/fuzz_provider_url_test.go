package zookeeper

import (
	"strconv"
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
)

// FuzzNormalizeProvider feeds arbitrary node names to normalizeProvider
// and arbitrary interfaces to the subscription match. normalizeProvider
// must not panic, and must either fail or return what its doc promises: a
// protocol, one host:port (a non-empty Location), a port in 1..65535, the
// interface taken from the interface parameter, else the path, else the
// service parameter, a path, side and category.
func FuzzNormalizeProvider(f *testing.F) {
	f.Add(pythonNode, greeter)
	f.Add("tri://127.0.0.1:50061?service="+greeter, greeter)
	f.Add(goNode("tri://10.0.0.7:20000/"+greeter+"?anyhost=true&category=providers&group=g&interface="+greeter+
		"&methods=Greet,GreetStream&side=provider&version=1.0.0"), greeter)
	f.Add(goNode("dubbo://10.0.0.7:20880/com.example.Foo?side=provider"), "com.example.Foo")
	f.Add(goNode("tri://127.0.0.1:1/a.B?interface=a.B&service=x.Y"), "x.Y")
	f.Add(goNode("tri://[::1]:50061?service="+greeter), "*")
	f.Add(goNode("tri://user:pw@127.0.0.1:1//?service=a+b&interface="), "a b")
	f.Add(goNode("tri://127.0.0.1:1,127.0.0.1:2?service="+greeter), greeter)
	f.Add(goNode("tri://127.0.0.1:0?service="+greeter), greeter)
	f.Add(goNode("tri:// 127.0.0.1:5 ,?service=x"), "x")
	f.Add("tri%3A%2F%2F127.0.0.1%3A50061%3Fservice%3D%ZZ", greeter)
	f.Add("127.0.0.1:50061?service="+greeter, greeter)
	f.Add("%%%", "")
	f.Add("", "")

	f.Fuzz(func(t *testing.T, child, intf string) {
		u, err := normalizeProvider(child)
		if err != nil {
			if u != nil {
				t.Fatalf("normalizeProvider(%q): a URL and %v", child, err)
			}
			return
		}
		if u == nil {
			t.Fatalf("normalizeProvider(%q): no URL, no error", child)
		}
		if u.Location == "" || u.Protocol == "" || u.Ip == "" || strings.Contains(u.Location, ",") {
			t.Fatalf("normalizeProvider(%q): protocol %q, location %q, ip %q", child, u.Protocol, u.Location, u.Ip)
		}
		if p, err := strconv.Atoi(u.Port); err != nil || p <= 0 || p > 65535 {
			t.Fatalf("normalizeProvider(%q): port %q", child, u.Port)
		}
		// The interface it promises, from the URL as dubbo-go parses it.
		raw, err := common.NewURL(child)
		if err != nil {
			t.Fatalf("normalizeProvider(%q) accepted what common.NewURL rejects: %v", child, err)
		}
		want := raw.GetParam(constant.InterfaceKey, "")
		if want == "" {
			want = strings.Trim(raw.Path, "/")
		}
		if want == "" {
			want = raw.GetParam(constant.ServiceKey, "")
		}
		if want == "" || u.Interface() != want || u.Service() != want || u.GetParam(constant.InterfaceKey, "") != want {
			t.Fatalf("normalizeProvider(%q): interface %q, service %q, want %q", child, u.Interface(), u.Service(), want)
		}
		if strings.Trim(u.Path, "/") == "" || (strings.Trim(raw.Path, "/") != "" && u.Path != raw.Path) {
			t.Fatalf("normalizeProvider(%q): path %q (was %q)", child, u.Path, raw.Path)
		}
		if u.GetParam(constant.SideKey, "") == "" || u.GetParam(constant.CategoryKey, "") == "" {
			t.Fatalf("normalizeProvider(%q): side %q, category %q", child, u.GetParam(constant.SideKey, ""), u.GetParam(constant.CategoryKey, ""))
		}
		if u.ServiceKey() == "" {
			t.Fatalf("normalizeProvider(%q): empty service key", child)
		}

		// A consumer of intf, in any group and version, matches exactly
		// the providers of intf (or all, for "*").
		sub := common.NewURLWithOptions(common.WithProtocol("consumer"), common.WithIp("127.0.0.1"),
			common.WithPath(intf), common.WithParamsValue(constant.InterfaceKey, intf),
			common.WithParamsValue(constant.GroupKey, constant.AnyValue),
			common.WithParamsValue(constant.VersionKey, constant.AnyValue))
		if sub.Service() == "" {
			return
		}
		wantMatch := sub.Service() == constant.AnyValue || sub.Service() == u.Interface()
		if got := matchesSubscription(u, sub); got != wantMatch {
			t.Fatalf("matchesSubscription(%q, consumer of %q) = %v, want %v", child, intf, got, wantMatch)
		}
		// Pinned to the provider's own group and version, still a match.
		sub.SetParam(constant.GroupKey, u.Group())
		sub.SetParam(constant.VersionKey, u.Version())
		if got := matchesSubscription(u, sub); got != wantMatch {
			t.Fatalf("matchesSubscription(%q, consumer of %q in its group and version) = %v, want %v", child, intf, got, wantMatch)
		}
	})
}
