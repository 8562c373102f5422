package config

// Filter names are checked against dubbo-go's extension registry, and the
// file's registries and protocols are looked up there: register dubbo-go's
// stock extensions, as protocol/streamx does too.
import _ "dubbo.apache.org/dubbo-go/v3/imports"
