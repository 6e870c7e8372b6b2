"""Finance side of the street ledgers (台账): queries, summaries, district overview, remittances to the
treasury (解缴入库), bank reconciliation (银行对账) and the annual statistics.

Service API in :mod:`counter.ledger.services`, bank statement parsing in :mod:`counter.ledger.statement`,
exports in :mod:`counter.ledger.exports`. Everything is derived from the append-only journal
(:class:`counter.collection.models.JournalEntry`) with SQL aggregates; nothing here stores a balance.
"""
