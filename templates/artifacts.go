package templates

import (
	"archive/zip"
	"bytes"
	"time"
)

// artifacts are the Lambda code the stand-ins load from the template bucket
// by key, as the hosted templates load theirs from resources/artifacts/: a
// bucket without them fails on the emulator as on AWS. The code is a note,
// since the emulator runs its own natives in place of the Lambdas; the zip
// is built the same way every time, so that an upload finds it unchanged.
func artifacts() ([]Object, error) {
	var out []Object
	for _, name := range []string{"hp-lambda-function.zip", "private-subnet-tagging-lambda-function.zip"} {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		f, err := w.CreateHeader(&zip.FileHeader{Name: "lambda_function.py", Method: zip.Deflate,
			Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, err
		}
		if _, err := f.Write([]byte("# hpctl stand-in of " + name + ": the local emulator runs its own native in place of this Lambda.\n")); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		out = append(out, Object{Key: "resources/artifacts/" + name, Body: buf.Bytes()})
	}
	return out, nil
}
