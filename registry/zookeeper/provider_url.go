package zookeeper

import (
	"fmt"
	"strconv"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
)

// normalizeProvider parses the name of a child of a providers folder (a
// URL-encoded provider URL) and fills in what dubbo-python leaves out, so
// the result looks like a dubbo-go provider URL:
//
//   - interface: the interface parameter, else the path, else dubbo-python's
//     service parameter;
//   - path: "/" + interface when empty;
//   - side=provider and category=providers when missing.
//
// Everything else (protocol, address, group, version, other parameters) is
// kept. A child that is not a URL with a protocol, a host, a port and a
// service name is an error; it never panics.
func normalizeProvider(child string) (*common.URL, error) {
	if strings.TrimSpace(child) == "" {
		return nil, fmt.Errorf("empty node name")
	}
	u, err := common.NewURL(child)
	if err != nil {
		return nil, err
	}
	if u.Protocol == "" {
		return nil, fmt.Errorf("no protocol in %q", child)
	}
	if strings.Contains(u.Location, ",") {
		return nil, fmt.Errorf("more than one address in %q", child)
	}
	if u.Ip == "" || u.Port == "" {
		return nil, fmt.Errorf("no host:port in %q", child)
	}
	if p, err := strconv.Atoi(u.Port); err != nil || p <= 0 || p > 65535 {
		return nil, fmt.Errorf("bad port %q in %q", u.Port, child)
	}
	intf := u.GetParam(constant.InterfaceKey, "")
	if intf == "" {
		intf = strings.Trim(u.Path, "/")
	}
	if intf == "" {
		intf = u.GetParam(constant.ServiceKey, "") // dubbo-python
	}
	if intf == "" {
		return nil, fmt.Errorf("no interface, path or service in %q", child)
	}
	u.SetParam(constant.InterfaceKey, intf)
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/" + intf
	}
	if u.GetParam(constant.SideKey, "") == "" {
		u.SetParam(constant.SideKey, common.DubboRole[common.PROVIDER])
	}
	if u.GetParam(constant.CategoryKey, "") == "" {
		u.SetParam(constant.CategoryKey, constant.ProviderCategory)
	}
	return u, nil
}

// matchesSubscription reports whether provider p serves what consumer sub
// asked for: the same interface, and the same group and version unless the
// consumer asked for "*". Versions "" and "0.0.0" are the same (no version).
func matchesSubscription(p, sub *common.URL) bool {
	if p.Interface() != sub.Service() && sub.Service() != constant.AnyValue {
		return false
	}
	if g := sub.Group(); g != constant.AnyValue && g != p.Group() {
		return false
	}
	if v := sub.Version(); v != constant.AnyValue && normVersion(v) != normVersion(p.Version()) {
		return false
	}
	return true
}

func normVersion(v string) string {
	if v == "0.0.0" {
		return ""
	}
	return v
}
