"""Demo data: a JD shop with orders in every state, built from Faker zh_CN and the sandbox carrier."""
