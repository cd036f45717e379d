package spec

import (
	"bytes"
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// SchemaID names the schema; editors match it to files through their own settings.
const SchemaID = "urn:hpctl:" + APIVersion + ":Cluster"

func reflector() *jsonschema.Reflector {
	return &jsonschema.Reflector{FieldNameTag: "yaml", RequiredFromJSONSchemaTags: true, DoNotReference: true}
}

// Schema returns the JSON Schema of the spec, generated from the Go types so
// it cannot drift from what Load reads.
func Schema() ([]byte, error) {
	s := reflector().Reflect(&Cluster{})
	document(s, "")
	s.ID = SchemaID
	s.Title = "hpctl cluster spec (" + APIVersion + ")"
	s.Description = "A SageMaker HyperPod cluster deployed through the hosted CloudFormation main stacks. " +
		"Settings create a component; existing IDs bring it."
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(s)
	return b.Bytes(), err
}

// JSONSchema lets YAML's bare numbers stand for versions, as Load does.
func (Version) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}}}
}

// lifecycleSettings has LifecycleScripts' fields without its custom schema.
type lifecycleSettings LifecycleScripts

// JSONSchema accepts true (the hosted scripts), false (none) or a folder of one's own.
func (LifecycleScripts) JSONSchema() *jsonschema.Schema {
	settings := reflector().Reflect(&lifecycleSettings{})
	settings.Version, settings.ID = "", ""
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "boolean"}, settings}}
}

// fsxSettings has FSx's fields without its custom schema.
type fsxSettings FSx

// JSONSchema accepts false (no file system), true (the defaults) or the settings.
func (FSx) JSONSchema() *jsonschema.Schema {
	settings := reflector().Reflect(&fsxSettings{})
	settings.Version, settings.ID = "", ""
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "boolean"}, settings}}
}
