package streamx

// dubbo-go registers its proxy factory, cluster strategies, load balancers,
// filters and registries by blank imports; a streamx user gets them all with
// ours, as dubbo-go's samples do with this one.
import _ "dubbo.apache.org/dubbo-go/v3/imports"
