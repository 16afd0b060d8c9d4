package web

// hasTableExport tells the table page whether to offer the XLSX export
// (GET /plans/{id}/table.xlsx); it is wired once plan.Service.ExportTable
// exists.
const hasTableExport = false
