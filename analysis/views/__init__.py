"""Pages of analysis: thin views over analysis.services, analysis.selectors and exports."""
