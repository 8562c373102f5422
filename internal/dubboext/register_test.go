package dubboext

// dubbo-go's extensions (cshutdown among them) and ours, registered as a
// program importing package streamx has them.
import _ "dubbo.apache.org/dubbo-go/v3/imports"

func init() { Register() }
