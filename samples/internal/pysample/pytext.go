package pysample

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// PyText returns msg as Python's str() of a protobuf message prints it
// (text format, one "field: value" line each, strings C-escaped), so that
// a Go sample prints what dubbo-python's sample prints. Go's own prototext
// output is deliberately unstable in its spacing, so it cannot serve.
func PyText(msg proto.Message) string {
	var b strings.Builder
	writeText(&b, msg.ProtoReflect(), "")
	return b.String()
}

func writeText(b *strings.Builder, m protoreflect.Message, indent string) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() { // field number order, as Python prints
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		v := m.Get(fd)
		switch {
		case fd.IsList():
			for j := range v.List().Len() {
				writeField(b, fd, v.List().Get(j), indent)
			}
		case fd.IsMap():
			// Not in any sample's messages; Python prints map entries as
			// repeated key/value messages, which this does not reproduce.
			fmt.Fprintf(b, "%s%s: <map>\n", indent, fd.Name())
		default:
			writeField(b, fd, v, indent)
		}
	}
}

func writeField(b *strings.Builder, fd protoreflect.FieldDescriptor, v protoreflect.Value, indent string) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		fmt.Fprintf(b, "%s%s {\n", indent, fd.Name())
		writeText(b, v.Message(), indent+"  ")
		fmt.Fprintf(b, "%s}\n", indent)
		return
	}
	fmt.Fprintf(b, "%s%s: %s\n", indent, fd.Name(), scalarText(fd, v))
}

func scalarText(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return `"` + cEscape([]byte(v.String()), true) + `"`
	case protoreflect.BytesKind:
		return `"` + cEscape(v.Bytes(), false) + `"`
	case protoreflect.BoolKind:
		if v.Bool() {
			return "true"
		}
		return "false"
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(v.Enum()))
	case protoreflect.FloatKind:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case protoreflect.DoubleKind:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	default:
		return v.String() // integers
	}
}

// cEscape escapes as Python's str() of a message does: quotes, backslash,
// \n \r \t, other control bytes and DEL in three-digit octal; bytes from
// 0x80 up stay as they are in strings (UTF-8) and are escaped in bytes.
func cEscape(p []byte, utf8 bool) string {
	var b strings.Builder
	for _, c := range p {
		switch c {
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '"', '\'', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			if c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8) {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}
