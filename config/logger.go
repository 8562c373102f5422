package config

import (
	"fmt"
	"os"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	dubbolog "dubbo.apache.org/dubbo-go/v3/logger"
	"dubbo.apache.org/dubbo-go/v3/logger/core"

	gostlog "github.com/dubbogo/gost/log/logger"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// StderrLoggerDriver is a dubbo-go logger driver (dubbogo.yml's
// dubbo.logger.driver) that this package registers: dubbo-go's zap logger
// with its "console" appender on stderr instead of stdout, for programs
// whose stdout is their output. Level, format and the "file" appender work
// as with dubbo-go's "zap" driver.
const StderrLoggerDriver = "zap-stderr"

func init() { extension.SetLogger(StderrLoggerDriver, newStderrLogger) }

// LogToStderr makes dubbo-go's and gost's process-wide loggers write lines
// of level ("debug", "info", "warn", "error") and above to stderr, for
// programs that run dubbo-go without a dubbogo.yml (which would name
// StderrLoggerDriver instead). Call it once at startup, before dubbo-go
// runs: the loggers are globals without synchronisation.
func LogToStderr(level string) error {
	u := common.NewURLWithOptions(common.WithParamsValue(constant.LoggerLevelKey, level))
	l, err := newStderrLogger(u)
	if err != nil {
		return err
	}
	gostlog.SetLogger(l)
	dubbolog.SetLogger(l)
	return nil
}

func newStderrLogger(u *common.URL) (dubbolog.Logger, error) {
	level := u.GetParam(constant.LoggerLevelKey, constant.LoggerLevel)
	lv, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("logger level %q: want debug, info, warn or error", level)
	}
	var sinks []zapcore.WriteSyncer
	for _, a := range strings.Split(u.GetParam(constant.LoggerAppenderKey, constant.LoggerAppender), ",") {
		switch strings.TrimSpace(a) {
		case "console":
			sinks = append(sinks, zapcore.AddSync(os.Stderr))
		case "file":
			sinks = append(sinks, zapcore.AddSync(core.FileConfig(u)))
		default:
			return nil, fmt.Errorf("logger appender %q: want console, file or both", a)
		}
	}
	enc := zapcore.EncoderConfig{
		MessageKey: "msg", LevelKey: "level", TimeKey: "time", CallerKey: "line",
		EncodeLevel:  zapcore.CapitalLevelEncoder,
		EncodeTime:   zapcore.TimeEncoderOfLayout("2006-01-02 15:04:05"),
		EncodeCaller: zapcore.ShortCallerEncoder,
	}
	var encoder zapcore.Encoder
	switch f := strings.ToLower(u.GetParam(constant.LoggerFormatKey, constant.LoggerFormat)); f {
	case "json":
		encoder = zapcore.NewJSONEncoder(enc)
	case "text", "":
		encoder = zapcore.NewConsoleEncoder(enc)
	default:
		return nil, fmt.Errorf("logger format %q: want text or json", f)
	}
	atom := zap.NewAtomicLevelAt(lv)
	z := zap.New(zapcore.NewCore(encoder, zapcore.NewMultiWriteSyncer(sinks...), atom),
		zap.AddCaller(), zap.AddCallerSkip(1)).Sugar()
	return &gostlog.DubboLogger{Logger: z, DynamicLevel: atom}, nil
}
