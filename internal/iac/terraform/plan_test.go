package terraform

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/iac/aws"
)

// A plan as `terraform show -json` prints it (pretty-printed here), written for this test.
const plan = `{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_s3_bucket.logs",
          "mode": "managed",
          "type": "aws_s3_bucket",
          "name": "logs",
          "values": {"bucket": "shop-logs", "tags": null}
        },
        {
          "address": "aws_s3_bucket_versioning.logs",
          "mode": "managed",
          "type": "aws_s3_bucket_versioning",
          "name": "logs",
          "values": {"bucket": "shop-logs", "versioning_configuration": [{"status": "Enabled"}]}
        }
      ],
      "child_modules": [
        {
          "address": "module.db",
          "resources": [
            {
              "address": "module.db.aws_db_instance.this[0]",
              "mode": "managed",
              "type": "aws_db_instance",
              "name": "this",
              "values": {
                "publicly_accessible": true,
                "storage_encrypted": null
              }
            }
          ]
        }
      ]
    }
  },
  "resource_changes": [
    {"address": "module.db.aws_db_instance.this[0]", "change": {"after_unknown": {"storage_encrypted": true}}}
  ]
}
`

func TestLoadPlan(t *testing.T) {
	m := &aws.Model{}
	ok, problems := LoadPlan("plan.json", []byte(plan), m)
	if !ok || len(problems) > 0 {
		t.Fatalf("ok %v problems %+v", ok, problems)
	}
	if len(m.Buckets) != 1 || m.Buckets[0].Versioning != aws.True {
		t.Fatalf("bucket versioning from the separate resource not merged: %+v", m.Buckets)
	}
	d := m.Databases[0]
	got := []any{d.Address, d.Public, d.At("public"), d.Encrypted}
	want := []any{"module.db.aws_db_instance.this[0]", aws.True, 31, aws.Unknown}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("database (-want +got):\n%s", diff)
	}
	if ok, _ := LoadPlan("x.json", []byte(`{"Resources": {}}`), m); ok {
		t.Error("a non-plan JSON file was taken for a plan")
	}
}
