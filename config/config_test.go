package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const good = `
dubbo:
  application:
    name: cfgtest
  custom:
    config-map:
      streamx:
        compress-min-bytes: 1024
        max-server-recv-msg-size: 8MiB
        max-call-send-msg-size: 65536
  provider:
    filter: echo,-token
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        filter: default
        params:
          streamx.compress-min-bytes: "0"
          max-server-send-msg-size: 1KiB
  consumer:
    references:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        url: tri://127.0.0.1:${CFGTEST_PORT:20000}
        params:
          max-call-recv-msg-size: 2MB
`

func TestLoadGood(t *testing.T) {
	c, err := Load(write(t, "dubbogo.yml", good))
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		CompressMinBytes:     1024,
		MaxServerRecvMsgSize: 8 << 20,
		MaxServerSendMsgSize: Unlimited,
		MaxCallRecvMsgSize:   DefaultMaxRecvMsgSize,
		MaxCallSendMsgSize:   65536,
	}
	if c.Streamx != want {
		t.Fatalf("Streamx = %+v, want %+v", c.Streamx, want)
	}
	d, err := Defaults()
	if err != nil || d != want {
		t.Fatalf("Defaults() = %+v, %v; want %+v", d, err, want)
	}
	ref := c.Options().Consumer.References["greeter"]
	if ref == nil || ref.URL != "tri://127.0.0.1:20000" || ref.Params["max-call-recv-msg-size"] != "2MB" {
		t.Fatalf("reference = %+v", ref)
	}
	if got := c.Options().Application.Name; got != "cfgtest" {
		t.Fatalf("application name %q", got)
	}
}

func TestLoadEnv(t *testing.T) {
	t.Setenv("CFGTEST_PORT", "31337")
	c, err := Load(write(t, "dubbogo.yaml", good))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Options().Consumer.References["greeter"].URL; got != "tri://127.0.0.1:31337" {
		t.Fatalf("url %q, want the port from the environment", got)
	}
}

func TestLoadBad(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string // all must appear in the error
	}{
		{"bad size", `
dubbo:
  custom:
    config-map:
      streamx:
        max-server-recv-msg-size: lots`, []string{"dubbo.custom.config-map.streamx.max-server-recv-msg-size", `"lots"`}},
		{"zero size", `
dubbo:
  custom:
    config-map:
      streamx:
        max-call-recv-msg-size: 0`, []string{"max-call-recv-msg-size", `"0"`}},
		{"negative", `
dubbo:
  custom:
    config-map:
      streamx:
        compress-min-bytes: -5`, []string{"dubbo.custom.config-map.streamx.compress-min-bytes", `"-5"`}},
		{"unknown key", `
dubbo:
  custom:
    config-map:
      streamx:
        compress-min-byte: 10`, []string{"dubbo.custom.config-map.streamx.compress-min-byte", "unknown key"}},
		{"not a map", `
dubbo:
  custom:
    config-map:
      streamx: 12`, []string{"dubbo.custom.config-map.streamx", "12"}},
		{"unknown service filter", `
dubbo:
  provider:
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        filter: echo,nosuchfilter`, []string{"dubbo.provider.services.greeter.filter", `"nosuchfilter"`}},
		{"unknown reference filter", `
dubbo:
  consumer:
    references:
      greeter:
        filter: -nosuchfilter`, []string{"dubbo.consumer.references.greeter.filter", `"nosuchfilter"`}},
		{"unknown consumer filter", `
dubbo:
  consumer:
    filter: bogus`, []string{"dubbo.consumer.filter", `"bogus"`}},
		{"unknown provider filter", `
dubbo:
  provider:
    filter: bogus`, []string{"dubbo.provider.filter", `"bogus"`}},
		{"bad service param", `
dubbo:
  provider:
    services:
      greeter:
        params:
          max-server-recv-msg-size: 3 elephants`, []string{"dubbo.provider.services.greeter.params.max-server-recv-msg-size", `"3 elephants"`}},
		{"negative reference param", `
dubbo:
  consumer:
    references:
      greeter:
        params:
          streamx.compress-min-bytes: "-2"`, []string{"dubbo.consumer.references.greeter.params.streamx.compress-min-bytes", `"-2"`}},
		{"unknown streamx param", `
dubbo:
  consumer:
    references:
      greeter:
        params:
          streamx.compress: "1"`, []string{"dubbo.consumer.references.greeter.params.streamx.compress", "unknown"}},
		{"malformed yaml", "dubbo:\n  application: [\n", []string{"dubbogo.yml"}},
		{"missing env", "dubbo:\n  application:\n    name: ${CFGTEST_UNSET_VAR}\n", []string{"${CFGTEST_UNSET_VAR}"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := Defaults()
			_, err := Load(write(t, "dubbogo.yml", c.yaml))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
			if after, _ := Defaults(); after != before {
				t.Errorf("a failed Load changed Defaults: %+v -> %+v", before, after)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yml") {
		t.Fatalf("err = %v, want one naming the file", err)
	}
}

func TestLoadSuffix(t *testing.T) {
	_, err := Load(write(t, "dubbogo.toml", "x = 1"))
	if err == nil || !strings.Contains(err.Error(), `"toml"`) {
		t.Fatalf("err = %v, want one naming the suffix", err)
	}
}
