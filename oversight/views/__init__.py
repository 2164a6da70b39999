"""The console's oversight pages (inspectors read, the operator acts) and the agencies' own pages
(reminders, usage reports, support requests), a module per topic."""
