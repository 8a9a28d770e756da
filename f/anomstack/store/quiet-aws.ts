// The AWS SDK (of @aws-sdk/client-s3, and of snowflake-sdk's stage transfers) prints, in every process
// that loads it, a notice that its future releases need Node 22. Its own switch turns that off; a value
// the user set is kept. Called just before either package is loaded.
//nobundling

/** Switch the AWS SDK's Node-version notice off (unless the user set the variable). */
export function quietAwsNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}
