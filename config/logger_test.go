package config

import (
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
)

func TestStderrLoggerBadSettings(t *testing.T) {
	for _, c := range []struct{ key, value, want string }{
		{constant.LoggerLevelKey, "loud", `logger level "loud"`},
		{constant.LoggerAppenderKey, "console,syslog", `logger appender "syslog"`},
		{constant.LoggerFormatKey, "xml", `logger format "xml"`},
	} {
		u := common.NewURLWithOptions(common.WithParamsValue(c.key, c.value))
		if _, err := newStderrLogger(u); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%s: error %v, want one naming %s", c.key, c.value, err, c.want)
		}
	}
	if err := LogToStderr("loud"); err == nil || !strings.Contains(err.Error(), `"loud"`) {
		t.Errorf("LogToStderr(\"loud\"): %v, want an error naming the level", err)
	}
	u := common.NewURLWithOptions(common.WithParamsValue(constant.LoggerFormatKey, "json"))
	if _, err := newStderrLogger(u); err != nil {
		t.Errorf("json format: %v", err)
	}
}
