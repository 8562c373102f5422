package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"dubbo.apache.org/dubbo-go/v3"
	"dubbo.apache.org/dubbo-go/v3/global"

	"github.com/knadh/koanf"
)

// Config is a loaded dubbogo.yml. Its methods are safe for concurrent use;
// it owns nothing that needs closing (servers and clients it makes belong
// to the caller).
type Config struct {
	// Path is the file it was loaded from.
	Path string
	// Streamx holds the resolved plugin-wide settings.
	Streamx Settings

	ins  *dubbo.Instance
	opts *dubbo.InstanceOptions // snapshot taken after the instance's init
}

// Load reads path (YAML, or JSON by its suffix) with dubbo-go's loader,
// checks streamx's settings and every filter name, and returns the
// configuration. Its plugin-wide settings become what Defaults returns.
// Every problem is an error naming the file, the key and the value; a
// broken file does not panic. Load blocks only on the file and on what
// dubbo-go's instance initialisation does (a config-center or metadata
// report in the file is contacted).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return LoadBytes(path, data)
}

// LoadBytes is Load with the file's content given: data is the
// configuration, and no file need exist at path. path names the format (by
// its suffix), the source in errors, and the directory where an active
// profile's file (dubbogo-dev.yml for dubbo.profiles.active: dev) is
// looked for, as dubbo-go's loader does.
func LoadBytes(path string, data []byte) (*Config, error) {
	c, err := load(path, data)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	setDefaults(c.Streamx)
	return c, nil
}

func load(path string, data []byte) (c *Config, err error) {
	suffix := strings.TrimPrefix(filepath.Ext(path), ".")
	switch suffix {
	case "yaml", "yml", "json":
	default:
		return nil, fmt.Errorf("unsupported file suffix %q (want .yml, .yaml or .json)", suffix)
	}
	// dubbo-go's initialisation may panic on values it cannot use.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("%v", r)
		}
	}()
	k, err := resolve(suffix, data)
	if err != nil {
		return nil, err
	}
	if err := mergeProfile(k, path, suffix); err != nil {
		return nil, err
	}

	var check dubbo.InstanceOptions
	if err := unmarshal(k, &check); err != nil {
		return nil, err
	}
	s, err := validate(&check)
	if err != nil {
		return nil, err
	}
	var uerr error
	ins, err := dubbo.NewInstance(func(o *dubbo.InstanceOptions) { uerr = unmarshal(k, o) })
	if uerr != nil {
		return nil, uerr
	}
	if err != nil {
		return nil, err
	}
	return &Config{Path: path, Streamx: s, ins: ins, opts: ins.GetInstanceOptionsSnapshot()}, nil
}

// resolve parses data, in the format named by suffix, after expanding
// environment references. dubbo-go's loader is given the bytes and the
// format only: given a path it would read that file instead, and given
// empty bytes it reads its default file.
func resolve(suffix string, data []byte) (k *koanf.Koanf, err error) {
	// dubbo-go's loader panics on malformed bytes.
	defer func() {
		if r := recover(); r != nil {
			k, err = nil, fmt.Errorf("%v", r)
		}
	}()
	data, err = expandEnv(data)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the configuration is empty")
	}
	return dubbo.GetConfigResolver(dubbo.NewLoaderConf(dubbo.WithGenre(suffix), dubbo.WithBytes(data))), nil
}

// mergeProfile merges the file of the active profile (dubbo.profiles.active)
// over k when it exists beside path, as dubbo-go's loader does; an
// unreadable or malformed profile file is an error naming it.
func mergeProfile(k *koanf.Koanf, path, suffix string) error {
	active := k.String("dubbo.profiles.active")
	if active == "" || active == "default" {
		return nil
	}
	pp := strings.TrimSuffix(path, "."+suffix) + "-" + active + "." + suffix
	data, err := os.ReadFile(pp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pk, err := resolve(suffix, data)
	if err != nil {
		return fmt.Errorf("profile %s: %w", pp, err)
	}
	if err := k.Merge(pk); err != nil {
		return fmt.Errorf("profile %s: %w", pp, err)
	}
	return nil
}

// unmarshal fills o from the "dubbo" key, as dubbo.Load does.
func unmarshal(k *koanf.Koanf, o *dubbo.InstanceOptions) error {
	return k.UnmarshalWithConf(o.Prefix(), o, koanf.UnmarshalConf{Tag: "yaml"})
}

// envRef is ${NAME} or ${NAME:default} with NAME in upper case; dubbo-go's
// own placeholders name keys of the file, which are lower case.
var envRef = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)(?::([^}]*))?\}`)

func expandEnv(data []byte) ([]byte, error) {
	var missing string
	out := envRef.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := envRef.FindSubmatch(m)
		if v, ok := os.LookupEnv(string(sub[1])); ok {
			return []byte(v)
		}
		if strings.Contains(string(m), ":") {
			return sub[2]
		}
		if missing == "" {
			missing = string(m)
		}
		return m
	})
	if missing != "" {
		return nil, fmt.Errorf("%s: environment variable not set and no default given", missing)
	}
	return out, nil
}

// Options returns a copy of the dubbo-go options the file produced.
func (c *Config) Options() *dubbo.InstanceOptions { return c.opts.Clone() }

// Instance returns the dubbo-go instance built from the file.
func (c *Config) Instance() *dubbo.Instance { return c.ins }

// Custom returns a copy of dubbo.custom (config-map), for programs that
// keep their own settings there.
func (c *Config) Custom() *global.CustomConfig { return c.opts.CloneCustom() }
