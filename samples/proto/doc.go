package greeter

//go:generate go run github.com/dubbo-go-streamx/streamx/internal/cmd/genproto protoc -I . --go_out=. --go_opt=paths=source_relative --go-streamx_out=. --go-streamx_opt=paths=source_relative greeter.proto
