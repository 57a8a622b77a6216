"""auditapp: service-quality audits scored against checklists of observable behaviours."""
