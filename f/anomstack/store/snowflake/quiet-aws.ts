// Imported before snowflake-sdk: its AWS SDK (for stage transfers, unused here) prints a notice that
// future AWS SDK releases need Node 22 on every process that loads it, DuckDB batches included. The
// AWS SDK's own switch turns that notice off; a value the user set is kept.
//nobundling
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
