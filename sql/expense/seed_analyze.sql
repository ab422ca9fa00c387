-- seed_analyze: fresh planner statistics after a bulk load (the reports' plans depend on them).
analyze expense.transactions, expense.subtransactions, expense.month_budgets, expense.accounts, expense.categories, expense.payees, expense.plans
