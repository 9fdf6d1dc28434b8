// Package report turns an analysis (rules.Result) into a versioned,
// documented report and renders it as text for a terminal, Markdown for a
// support ticket, or JSON for programs.
//
// The JSON schema is the Report type: snake_case fields, times in the
// Windows event XML form ("2024-05-01T12:00:00.0000000Z", UTC), durations in
// whole seconds, and a schema_version field (SchemaVersion) that changes
// when a field is removed or changes meaning. SCHEMA.md describes every
// field. The text and Markdown renderings are derived from the Report
// alone, so a saved JSON report renders the same text later (ReadJSON).
//
// Every rendering is deterministic: findings come in rule order, inputs
// sorted by path, evidence newest first; nothing depends on the wall clock
// or on map order.
package report
