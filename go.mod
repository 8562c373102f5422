module github.com/dubbo-go-streamx/streamx

go 1.25.0
