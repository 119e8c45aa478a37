import type { Command } from 'commander'

export function registerListenerCommand(program: Command): void {
  program
    .command('listener')
    .summary('print the SQLAlchemy event listener that writes pool events with checkout stacks and backend pids')
    .description(
      "Prints pgleak_sqlalchemy.py, a SQLAlchemy event listener (standard library only) that writes pgleak's JSON lines: every " +
        'connect, checkout, checkin and close, with the code that checked the connection out, the server backend pid and the pool size. ' +
        'pool-imbalance then names the file and line that never gave a connection back. The file also ships in the package (python/).',
    )
    .argument('[library]', 'the pool library', 'sqlalchemy')
    .addHelpText('after', '\nExample:\n  $ npx pgleak listener > pgleak_sqlalchemy.py\n  # in the app: pgleak_pool_log(engine, "pool.jsonl"); then: npx pgleak analyze pool.jsonl')
    .action(async (library: string) => {
      const { printListener } = await import('../actions/listener.js')
      await printListener(library)
    })
}
