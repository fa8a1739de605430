import ts from 'typescript';

/** Problems that keep code from running on cloudfront-js-2.0 (ES5 syntax here, no host globals). */
export function es5Problems(code: string): string[] {
  const file = ts.createSourceFile('viewer-request.js', code, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const forbiddenSyntax = new Set([
    ts.SyntaxKind.ArrowFunction,
    ts.SyntaxKind.ClassDeclaration,
    ts.SyntaxKind.ClassExpression,
    ts.SyntaxKind.TemplateExpression,
    ts.SyntaxKind.NoSubstitutionTemplateLiteral,
    ts.SyntaxKind.TaggedTemplateExpression,
    ts.SyntaxKind.SpreadElement,
    ts.SyntaxKind.SpreadAssignment,
    ts.SyntaxKind.ObjectBindingPattern,
    ts.SyntaxKind.ArrayBindingPattern,
    ts.SyntaxKind.ForOfStatement,
    ts.SyntaxKind.YieldExpression,
    ts.SyntaxKind.AwaitExpression,
    ts.SyntaxKind.AsyncKeyword,
    ts.SyntaxKind.ImportDeclaration,
    ts.SyntaxKind.ImportEqualsDeclaration,
    ts.SyntaxKind.ExportDeclaration,
    ts.SyntaxKind.ExportAssignment,
    ts.SyntaxKind.ExportKeyword,
    ts.SyntaxKind.ComputedPropertyName,
    ts.SyntaxKind.ShorthandPropertyAssignment,
    ts.SyntaxKind.MetaProperty,
    ts.SyntaxKind.BigIntLiteral,
    ts.SyntaxKind.WithStatement,
    ts.SyntaxKind.DebuggerStatement,
    ts.SyntaxKind.QuestionDotToken,
    ts.SyntaxKind.QuestionQuestionToken,
    ts.SyntaxKind.QuestionQuestionEqualsToken,
    ts.SyntaxKind.AsteriskAsteriskToken,
  ]);
  const forbiddenNames = new Set([
    'require',
    'module',
    'exports',
    'process',
    'globalThis',
    'window',
    'Buffer',
    'setTimeout',
    'setInterval',
    'setImmediate',
    'eval',
    'Function',
    'fetch',
    'Proxy',
    'Reflect',
    'Symbol',
    'WeakMap',
    'Promise',
  ]);
  const problems: string[] = (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics.map(
    (d) => `syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
  );
  const where = (node: ts.Node) => `line ${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (forbiddenSyntax.has(node.kind)) problems.push(`${ts.SyntaxKind[node.kind]} at ${where(node)}`);
    if (ts.isVariableDeclarationList(node) && node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) problems.push(`let/const at ${where(node)}`);
    if (ts.isIdentifier(node) && forbiddenNames.has(node.text)) problems.push(`${node.text} at ${where(node)}`);
    if (ts.isRegularExpressionLiteral(node) && !/\/[gim]*$/.test(node.text)) problems.push(`regex flags ${node.text} at ${where(node)}`);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}
