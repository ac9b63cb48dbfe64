package config

import (
	"strconv"
	"unicode/utf8"
)

// Format writes mappings as a config file that Parse reads back to the
// same mappings (their Line aside), one [[registry]] table each, keys in a
// fixed order and empty values left out. It is the inverse the fuzz test
// checks Parse against, and what a command that writes the file would use.
func Format(mappings []Mapping) []byte {
	var b []byte
	for i, m := range mappings {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, "[[registry]]\n"...)
		for _, kv := range [...]struct{ key, value string }{
			{keyMatch, m.Match},
			{keyECR, m.ECR},
			{keyProfile, m.Profile},
			{keyRoleARN, m.RoleARN},
			{keyExternalID, m.ExternalID},
			{keyRoleSessionName, m.RoleSessionName},
			{keyMFASerial, m.MFASerial},
		} {
			if kv.value == "" && kv.key != keyMatch {
				continue
			}
			b = append(b, kv.key...)
			b = append(b, " = "...)
			b = appendString(b, kv.value)
			b = append(b, '\n')
		}
	}
	return b
}

// appendString appends s as a TOML basic string: quotes, backslashes and
// control characters escaped, everything else as is (TOML files are UTF-8).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r < ' ' || r == 0x7f:
			b = append(b, `\u00`...)
			if r < 0x10 {
				b = append(b, '0')
			}
			b = strconv.AppendUint(b, uint64(r), 16)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
