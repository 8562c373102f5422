package config

import (
	"fmt"
	"sort"

	"dubbo.apache.org/dubbo-go/v3"
	"dubbo.apache.org/dubbo-go/v3/global"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/settings"
)

// validate checks streamx's settings, the streamx parameters of every
// protocol, service and reference, and every filter list, returning the
// plugin-wide settings.
func validate(o *dubbo.InstanceOptions) (Settings, error) {
	var raw any
	if o.Custom != nil {
		raw = o.Custom.ConfigMap[Name]
	}
	s, err := parseSettings("dubbo.custom.config-map."+Name, raw)
	if err != nil {
		return s, err
	}
	for _, id := range sortedKeys(o.Protocols) {
		if p := o.Protocols[id]; p != nil {
			if _, err := settings.ProtocolStack("dubbo.protocols."+id+".params", p.Params); err != nil {
				return s, err
			}
			if err := checkKeepAlive("dubbo.protocols."+id+".triple", p.TripleConfig); err != nil {
				return s, err
			}
		}
	}
	if p := o.Provider; p != nil {
		if err := checkFilters("dubbo.provider.filter", p.Filter); err != nil {
			return s, err
		}
		for _, id := range sortedKeys(p.Services) {
			svc := p.Services[id]
			if svc == nil {
				continue
			}
			where := "dubbo.provider.services." + id
			if err := checkFilters(where+".filter", svc.Filter); err != nil {
				return s, err
			}
			if err := checkParams(where+".params", svc.Params, true); err != nil {
				return s, err
			}
		}
	}
	if c := o.Consumer; c != nil {
		if err := checkFilters("dubbo.consumer.filter", c.Filter); err != nil {
			return s, err
		}
		for _, id := range sortedKeys(c.References) {
			ref := c.References[id]
			if ref == nil {
				continue
			}
			where := "dubbo.consumer.references." + id
			if err := checkFilters(where+".filter", ref.Filter); err != nil {
				return s, err
			}
			if err := checkParams(where+".params", ref.Params, false); err != nil {
				return s, err
			}
			//lint:ignore SA1019 users still set the deprecated reference-level keep-alive, so it is checked too
			if err := checkDurations(where, ref.KeepAliveInterval, ref.KeepAliveTimeout); err != nil {
				return s, err
			}
			if pc := ref.ProtocolClientConfig; pc != nil {
				if err := checkKeepAlive(where+".protocol_config.triple", pc.TripleConfig); err != nil {
					return s, err
				}
			}
		}
	}
	return s, nil
}

// checkKeepAlive checks dubbo-go's keep-alive-interval and
// keep-alive-timeout in a triple: section, which streamx reads too.
func checkKeepAlive(where string, tc *global.TripleConfig) error {
	if tc == nil {
		return nil
	}
	return checkDurations(where, tc.KeepAliveInterval, tc.KeepAliveTimeout)
}

func checkDurations(where, interval, timeout string) error {
	if interval != "" {
		if _, err := ParseDuration(where+"."+KeyKeepAliveInterval, interval); err != nil {
			return err
		}
	}
	if timeout != "" {
		if _, err := ParseDuration(where+"."+KeyKeepAliveTimeout, timeout); err != nil {
			return err
		}
	}
	return nil
}

// checkFilters checks a dubbo-go filter list ("a,b,-c") as the protocol
// does at export and refer: every name must be registered. An unknown
// name would otherwise become a nil filter that panics at the first call.
func checkFilters(key, list string) error {
	if err := filterchain.CheckNames(list); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

func sortedKeys[V *global.ServiceConfig | *global.ReferenceConfig | *global.ProtocolConfig](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
